"""An order held ``awaiting_payment`` moves on the moment its money arrives.

Routing holds an accepted order whose channel's ``release_when`` it does not meet yet
(``hub.services.routing.route``), keeping its reservation, and notes on its row what it waits
for. Whenever its transactions change (a webhook, a poll, the API), ``release_if_paid`` checks
again in the same transaction: met, the order goes back to accepted (``release`` on its
timeline, "payment arrived") and an ``order.paid`` job routes and releases it to fulfilment.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row

from hub.domain.lifecycle import EventKind, OrderStatus
from hub.domain.payments import Summary, releasable
from hub.store import jobs as job_store
from hub.store import orders as order_store
from hub.store.jobs import NewJob
from hub.store.orders import Event, event_row

#: an order whose payment arrived while it was held for it: route it (payload: order_id);
#: routing registers the handler (``hub.services.routing.jobs``)
PAID_JOB = "order.paid"
JOB_ATTEMPTS = 8


def release_if_paid(conn: Connection, row: Row[Any], summary: Summary, *, now: datetime) -> str:
    """Release the order of ``row`` (locked) from its payment hold if ``summary`` now meets
    what it waits for; returns its status after."""
    when = row.awaiting_payment
    if row.status != OrderStatus.ON_HOLD or when is None:
        return str(row.status)
    if not releasable(when, summary, row.total):
        return str(row.status)
    held, accepted = OrderStatus.ON_HOLD, OrderStatus.ACCEPTED
    if not order_store.move_many(conn, [row.id], from_status=held, to_status=accepted, now=now):
        return str(row.status)
    detail = {"reason": "payment arrived", "release_when": when}
    event = Event(
        at=now, actor="worker", kind=EventKind.RELEASE, from_status=held, to_status=accepted,
        detail=detail,
    )  # fmt: skip
    order_store.add_events_sync(conn, [event_row(row.id, event)])
    job_store.enqueue_sync(
        conn, [NewJob(PAID_JOB, {"order_id": row.id})], now=now, max_attempts=JOB_ATTEMPTS
    )
    return accepted
