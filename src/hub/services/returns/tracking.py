"""The return parcel followed like an outbound one: a carrier's news about a return label's
tracking number (an EasyPost tracker webhook or poll, through
``hub.services.fulfilment.tracking``) moves an ``authorised`` return to ``in_transit`` once the
carrier reports the parcel moving, with a ``return_in_transit`` entry on the order's timeline.
Later or repeated news changes nothing (the move is made once)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from hub.domain.fulfilment import ParcelStatus
from hub.domain.lifecycle import EventKind
from hub.domain.returns import ReturnStatus
from hub.errors import Conflict
from hub.sdk import TrackingEvent
from hub.services.returns.decisions import locked, step
from hub.store import returns as store

#: what the carrier says once the return parcel has left the buyer
MOVING = frozenset({ParcelStatus.IN_TRANSIT, ParcelStatus.OUT_FOR_DELIVERY,
                    ParcelStatus.AVAILABLE_FOR_PICKUP, ParcelStatus.DELIVERED})  # fmt: skip


def follow_return_parcels(
    conn: Connection, event: TrackingEvent, actor: str, now: datetime
) -> list[str]:
    """Move each authorised return whose label has the event's tracking number to
    ``in_transit`` when the parcel moves; the order ids of the returns it names."""
    touched = []
    for row in store.by_tracking(conn, event.tracking_number):
        touched.append(str(row.order_id))
        if row.status != ReturnStatus.AUTHORISED or str(event.status) not in MOVING:
            continue
        detail = {"tracking_number": event.tracking_number, "carrier_status": str(event.status),
                  "detail": event.detail, "carrier": row.label_carrier}  # fmt: skip
        try:
            step(conn, locked(conn, row.id), ReturnStatus.IN_TRANSIT, actor=actor, detail=detail,
                 kind=EventKind.RETURN_IN_TRANSIT)  # fmt: skip
        except Conflict:
            continue  # moved on meanwhile (received at the counter, say)
    return touched
