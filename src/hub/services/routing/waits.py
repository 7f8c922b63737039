"""Orders on hold for want of a route wait for stock: a stock change of one of their SKUs
releases them from the hold (back to accepted) and queues their routing (``order.route``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection

from hub.clock import utcnow
from hub.domain.lifecycle import EventKind, OrderStatus
from hub.services.fulfilment import JOB_ATTEMPTS
from hub.services.routing.route import ROUTE_JOB
from hub.store import jobs as job_store
from hub.store import orders as order_store
from hub.store import routing as routing_store
from hub.store.jobs import NewJob
from hub.store.orders import Event, event_row


def retry_waiting(conn: Connection, skus: Iterable[str], *, now: datetime) -> int:
    """Route again the waiting orders that contain one of ``skus``. Returns how many."""
    waiting = routing_store.waiting_for(conn, skus)
    if not waiting:
        return 0
    moved = order_store.move_many(
        conn, waiting, from_status=OrderStatus.ON_HOLD, to_status=OrderStatus.ACCEPTED, now=now
    )
    routing_store.stop_waiting(conn, waiting)
    reason = {"reason": "stock arrived: routing again"}
    order_store.add_events_sync(
        conn,
        [
            event_row(
                oid,
                Event(
                    at=now,
                    actor="worker",
                    kind=EventKind.RELEASE,
                    from_status=OrderStatus.ON_HOLD,
                    to_status=OrderStatus.ACCEPTED,
                    detail=reason,
                ),
            )
            for oid in moved
        ],
    )
    job_store.enqueue_sync(
        conn,
        [NewJob(ROUTE_JOB, {"order_id": oid}) for oid in moved],
        now=now,
        max_attempts=JOB_ATTEMPTS,
    )
    return len(moved)


def retry_waiting_now(conn: Connection, skus: Iterable[str]) -> int:
    """``retry_waiting`` as of now: what stock sync calls when stock of ``skus`` moved."""
    return retry_waiting(conn, skus, now=utcnow())


def stop_waiting(conn: Connection, order_id: str) -> None:
    """The order no longer waits for stock (released from its hold by an operator)."""
    routing_store.stop_waiting(conn, [order_id])
