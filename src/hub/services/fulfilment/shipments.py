"""Parcels shipped: each recorded once, its units taken from stock, the statuses followed,
and the parcel queued back to the channel once it has a tracking number.

``apply_events`` takes what a warehouse's or carrier's message says (shipments, tracking
news, cancellations; from a webhook or a poll) into the hub.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import Connection

from hub.clock import utcnow
from hub.domain import ids
from hub.domain.fulfilment import FulfilmentStatus
from hub.domain.lifecycle import EventKind
from hub.sdk import FulfilmentCancelled, PartnerEvent, ShipmentReport, TrackingEvent
from hub.services import stock
from hub.services.fulfilment.channel_push import queue_push
from hub.services.fulfilment.dispatch import partner_cancelled
from hub.services.fulfilment.progress import follow_parcels
from hub.services.fulfilment.tracking import record_tracking, stale
from hub.store import fulfilment as store
from hub.store import orders as order_store

log = logging.getLogger(__name__)


class Recorded(msgspec.Struct, frozen=True):
    shipment_id: str
    order_id: str
    created: bool


def parcel_key(report: ShipmentReport) -> str:
    """What makes a parcel one parcel: the partner's shipment id, else the tracking number."""
    return report.partner_shipment_id or report.tracking_number or "parcel"


def record_shipment(
    conn: Connection, report: ShipmentReport, *, connection: str | None, actor: str, now: datetime
) -> Recorded | None:
    """Record one parcel (new, or news of a known one). None: no such fulfilment."""
    fulfilment = store.find_by_reference(conn, connection, report.fulfilment_ref)
    if fulfilment is None:
        return None
    if fulfilment.status == FulfilmentStatus.CANCELLED:
        order_store.flag_attention(
            conn,
            fulfilment.order_id,
            f"a cancelled fulfilment {fulfilment.id} was shipped",
            actor=actor,
            now=now,
            kind=EventKind.CANCELLED_FULFILMENT_SHIPPED,
        )
    existing = store.shipment(conn, fulfilment.id, parcel_key(report))
    if existing is not None:
        _news(conn, existing, report, now=now)
        shipment_id, created = existing.id, False
    else:
        shipment_id, created = _new(conn, fulfilment, report, actor=actor, now=now), True
    follow_parcels(conn, fulfilment.order_id, now=now, actor=actor)
    return Recorded(shipment_id, fulfilment.order_id, created)


def _news(conn: Connection, existing: Any, report: ShipmentReport, *, now: datetime) -> None:
    """A known parcel again: what the report adds (its status unless it has ended); the
    parcel goes back to the channel when its first tracking number comes."""
    changes: dict[str, Any] = {"updated_at": now}
    if stale(existing.status, report.status):
        log.info(
            "parcel %s is %s; reported %s left alone", existing.id, existing.status, report.status
        )
    else:
        changes["status"] = report.status
    for field in ("carrier", "service", "tracking_number", "tracking_url"):
        if getattr(report, field):
            changes[field] = getattr(report, field)
    if report.estimated_delivery:
        changes["estimated_delivery"] = report.estimated_delivery.isoformat()
    store.update_shipment(conn, existing.id, from_status=existing.status, **changes)
    if report.tracking_number and not existing.tracking_number:
        queue_push(conn, existing.id, now)


def _new(
    conn: Connection, fulfilment: Any, report: ShipmentReport, *, actor: str, now: datetime
) -> str:
    """A new parcel: stored with what it carries, its units taken from stock."""
    parts = _parts(conn, fulfilment, report)
    sid = ids.new_id()
    estimated = report.estimated_delivery
    row = {
        "id": sid,
        "fulfilment_id": fulfilment.id,
        "order_id": fulfilment.order_id,
        "parcel_key": parcel_key(report)[:200],
        "carrier": report.carrier,
        "service": report.service,
        "tracking_number": report.tracking_number,
        "tracking_url": report.tracking_url,
        "status": report.status,
        "status_detail": report.detail,
        "estimated_delivery": estimated.isoformat() if estimated else None,
        "shipped_at": report.shipped_at or now,
        "updated_at": now,
    }
    store.insert_shipment(conn, row, parts)
    stock.consume_at(
        conn, fulfilment.order_id, fulfilment.location, parts, reason=f"shipped ({sid})", now=now
    )
    order_store.add_note(
        conn,
        fulfilment.order_id,
        EventKind.SHIPMENT,
        {
            "shipment": sid,
            "fulfilment": fulfilment.id,
            "carrier": report.carrier,
            "service": report.service,
            "tracking_number": report.tracking_number,
            "lines": [{"sku": s, "quantity": q} for s, q in sorted(parts.items())],
        },
        actor=actor,
        now=now,
    )
    if report.tracking_number:
        queue_push(conn, sid, now)
    return sid


def _parts(conn: Connection, fulfilment: Any, report: ShipmentReport) -> dict[str, int]:
    """What this parcel carries, capped at what is left to ship; the fulfilment's shipped
    counts move up. No lines in the report: everything left."""
    lines = store.lines(conn, fulfilment.id)
    left = {ln.position: ln.quantity - ln.shipped for ln in lines}
    asked: dict[str, int] = defaultdict(int)
    if report.lines:
        for p in report.lines:
            asked[p.sku] += p.quantity
    else:
        for ln in lines:
            asked[ln.sku] += left[ln.position]
    shipped = {ln.position: ln.shipped for ln in lines}
    parts: dict[str, int] = defaultdict(int)
    for ln in lines:
        take = min(asked.get(ln.sku, 0), left[ln.position])
        if take > 0:
            asked[ln.sku] -= take
            shipped[ln.position] += take
            parts[ln.sku] += take
    store.set_shipped(conn, fulfilment.id, shipped)
    return dict(parts)


def apply_events(conn: Connection, events: Sequence[PartnerEvent], *, connection: str) -> list[str]:
    """Partner events (from a webhook or a poll) into the hub; returns the order ids touched.

    A shipment for a fulfilment the hub does not know raises ``LookupError`` (the message is
    quarantined, to be replayed once the fulfilment exists)."""
    now = utcnow()
    actor = f"connection:{connection}"
    touched: list[str] = []
    for event in events:
        if isinstance(event, ShipmentReport):
            got = record_shipment(conn, event, connection=connection, actor=actor, now=now)
            if got is None:
                raise LookupError(f"no fulfilment {event.fulfilment_ref!r} for a shipment")
            touched.append(got.order_id)
        elif isinstance(event, TrackingEvent):
            touched += record_tracking(conn, event, actor=actor, now=now)
        elif isinstance(event, FulfilmentCancelled):
            order_id = partner_cancelled(conn, event, connection=connection, now=now)
            if order_id is not None:
                touched.append(order_id)
    return touched
