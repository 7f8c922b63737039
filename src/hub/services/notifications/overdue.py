"""Ship-by passed and no parcel has left: the order gets an ``overdue`` timeline event (once),
which the notifications tap turns into the buyer's ``delayed`` mail (reason ``not_shipped``).

The worker calls ``mark_overdue`` every few minutes. It reads the open orders that have not
shipped anything (accepted, allocated, released); ``ship_by`` lives in the order's document,
so each is decoded, which is fine for the orders waiting to ship at one time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, exists, select

from hub.clock import utcnow
from hub.domain.lifecycle import EventKind, OrderStatus
from hub.services.jobs import JobContext
from hub.store import orders as order_store
from hub.store.tables import order_events, orders, shipments

WAITING = (OrderStatus.ACCEPTED, OrderStatus.ALLOCATED, OrderStatus.RELEASED)
EVERY_SECONDS = 300.0


def overdue_orders(conn: Connection, now: datetime) -> list[str]:
    """The waiting orders whose ship_by has passed, with no parcel and no overdue event."""
    query = select(orders).where(
        orders.c.status.in_(list(WAITING)),
        ~exists().where(shipments.c.order_id == orders.c.id),
        ~exists().where(
            order_events.c.order_id == orders.c.id, order_events.c.kind == EventKind.OVERDUE
        ),
    )
    late = []
    for row in conn.execute(query):
        ship_by = order_store.content(row).ship_by
        if ship_by is not None and ship_by < now:
            late.append(row.id)
    return late


def mark(conn: Connection, now: datetime) -> int:
    late = overdue_orders(conn, now)
    for order_id in late:
        order_store.add_note(
            conn, order_id, EventKind.OVERDUE, {"reason": "ship_by passed without a parcel"},
            actor="worker", now=now,
        )  # fmt: skip
    return len(late)


async def mark_overdue(ctx: JobContext) -> int:
    """Mark every order whose ship_by passed without a parcel; returns how many."""
    return await ctx.db.run_write(lambda conn: mark(conn, utcnow()))
