"""Fulfilment and order statuses follow the parcels: the stored facts read, the moves worked
out by ``hub.domain.fulfilment.follow``, each move made through the store's checked moves
and each order step put on the timeline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from hub.domain.fulfilment import FulfilmentState, FulfilmentStatus, ParcelStatus, follow
from hub.domain.lifecycle import EventKind
from hub.store import fulfilment as store
from hub.store import orders as order_store
from hub.store.orders import Event, event_row


def follow_parcels(conn: Connection, order_id: str, *, now: datetime, actor: str) -> None:
    """Move the order's fulfilments and the order as its parcels say, in the caller's
    transaction."""
    fulfilments = store.of_order(conn, order_id)
    parcels = store.shipments_of_order(conn, order_id)
    lines = store.lines_of(conn, [f.id for f in fulfilments])
    states = [
        FulfilmentState(
            f.id,
            FulfilmentStatus(f.status),
            [(ln.quantity, ln.shipped) for ln in lines[f.id]],
            [ParcelStatus(p.status) for p in parcels if p.fulfilment_id == f.id],
        )
        for f in fulfilments
    ]
    current = order_store.status_of(conn, order_id)
    progress = follow(current, states)
    was = {f.id: f.status for f in fulfilments}
    for fid, status in progress.fulfilments.items():
        store.move(conn, fid, from_status=was[fid], to_status=status, now=now)
    events = []
    frm = current
    for step in progress.order:
        if not order_store.move_many(conn, [order_id], from_status=frm, to_status=step, now=now):
            break  # moved meanwhile
        events.append(
            event_row(
                order_id,
                Event(at=now, actor=actor, kind=EventKind.STATUS, from_status=frm, to_status=step),
            )
        )
        frm = step
    order_store.add_events_sync(conn, events)
