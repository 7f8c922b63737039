"""A carrier's tracking news: each parcel with the tracking number moves to the reported
status (news goes on the timeline), and the fulfilment and the order follow. The registered
listeners (``follow_also``: a return label's parcel) get the news too.

A parcel that has ended (delivered, returned, cancelled) does not move again: a late or
repeated event about it is stale, and is logged and left alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from hub.domain.fulfilment import ParcelStatus, can_move_parcel
from hub.domain.lifecycle import EventKind
from hub.sdk import TrackingEvent
from hub.services.fulfilment.progress import follow_parcels
from hub.store import fulfilment as store
from hub.store import orders as order_store

log = logging.getLogger(__name__)

#: news of a tracking number for what is not an outbound parcel (a return label's parcel):
#: (conn, event, actor, now) -> the order ids it touched. Registered by the composition root
#: (``follow_also``), so the returns feature need not be imported here.
Listener = Callable[[Connection, TrackingEvent, str, datetime], list[str]]
_listeners: list[Listener] = []


def follow_also(listener: Listener | None) -> None:
    """Hand every carrier event to ``listener`` too (None: to nothing more)."""
    _listeners[:] = [listener] if listener is not None else []


def stale(current: str, reported: str) -> bool:
    """The parcel is ``current``; a report of ``reported`` would move it where the parcel
    table does not allow (it has ended)."""
    return reported != current and not can_move_parcel(
        ParcelStatus(current), ParcelStatus(reported)
    )


def _changes(parcel: Any, event: TrackingEvent, now: datetime) -> dict[str, Any]:
    changes: dict[str, Any] = {"status": event.status, "updated_at": now}
    if event.detail:
        changes["status_detail"] = event.detail
    if event.estimated_delivery:
        changes["estimated_delivery"] = event.estimated_delivery.isoformat()
    if event.public_url and not parcel.tracking_url:
        changes["tracking_url"] = event.public_url
    if event.carrier and not parcel.carrier:
        changes["carrier"] = event.carrier
    return changes


def record_tracking(
    conn: Connection, event: TrackingEvent, *, actor: str, now: datetime
) -> list[str]:
    """A carrier's news for every parcel with that tracking number; returns order ids."""
    touched = []
    for parcel in store.shipments_by_tracking(conn, event.tracking_number):
        touched.append(parcel.order_id)
        if stale(parcel.status, event.status):
            log.info(
                "parcel %s is %s; tracking news of %s left alone",
                parcel.id,
                parcel.status,
                event.status,
            )
            continue
        changes = _changes(parcel, event, now)
        if not store.update_shipment(conn, parcel.id, from_status=parcel.status, **changes):
            continue  # moved meanwhile
        news = (
            event.status != parcel.status
            or changes.get("status_detail", parcel.status_detail) != parcel.status_detail
            or changes.get("estimated_delivery", parcel.estimated_delivery)
            != parcel.estimated_delivery
        )
        if news:
            order_store.add_note(
                conn,
                parcel.order_id,
                EventKind.TRACKING,
                {
                    "shipment": parcel.id,
                    "tracking_number": event.tracking_number,
                    "status": event.status,
                    "was": parcel.status,
                    "detail": event.detail,
                    "estimated_delivery": changes.get("estimated_delivery"),
                },
                actor=actor,
                now=now,
            )
        follow_parcels(conn, parcel.order_id, now=now, actor=actor)
    for listener in _listeners:
        touched += listener(conn, event, actor, now)
    return touched
