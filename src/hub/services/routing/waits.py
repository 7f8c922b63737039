"""Orders on hold waiting for stock, retried when stock of one of their SKUs moves.

Two holds wait (``route_waits``), and a retry follows the status each was held from:

- held at acceptance for a shortfall (from ``received``): the stock now covers it, oldest
  first (placed_at, then received_at), so the earliest buyers are served first
  (``hub.services.intake.accept.accept_waiting``); one still short waits on, untouched;
- held at routing for want of a route (from ``accepted``, it holds its stock): back to
  accepted, to be routed again.

Either way the order is then routed (``order.route``) and no longer waits. An operator's
hold never waits. The stock fan-out calls ``retry_waiting_now`` with the SKUs whose stock
moved (``stock_dirty``); a line naming an alias of one of them, or a bundle made of one,
counts. When nothing waits, a retry costs one read.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection

from hub.clock import utcnow
from hub.domain.lifecycle import EventKind, OrderStatus
from hub.services.fulfilment import JOB_ATTEMPTS
from hub.services.intake.accept import accept_waiting
from hub.services.routing.route import ROUTE_JOB
from hub.store import catalog as catalog_store
from hub.store import jobs as job_store
from hub.store import orders as order_store
from hub.store import routing as routing_store
from hub.store.jobs import NewJob
from hub.store.orders import Event, event_row


def retry_waiting(conn: Connection, skus: Iterable[str], *, now: datetime) -> int:
    """Retry the waiting orders with a line of one of ``skus`` (stock SKUs whose stock
    moved). Returns how many go on to routing."""
    if not routing_store.any_waiting(conn):
        return 0
    waiting = routing_store.waiting_for(conn, line_skus(conn, skus))
    if not waiting:
        return 0
    unrouted = [w.order_id for w in waiting if w.held_from == OrderStatus.ACCEPTED]
    short = [w.order_id for w in waiting if w.held_from != OrderStatus.ACCEPTED]
    ready = accept_waiting(conn, short, now=now) + _route_again(conn, unrouted, now=now)
    routing_store.stop_waiting(conn, ready)
    job_store.enqueue_sync(
        conn,
        [NewJob(ROUTE_JOB, {"order_id": oid}) for oid in ready],
        now=now,
        max_attempts=JOB_ATTEMPTS,
    )
    return len(ready)


def line_skus(conn: Connection, skus: Iterable[str]) -> set[str]:
    """What an order line may name to take stock of ``skus``: the SKUs, the bundles made of
    them, and the aliases of either."""
    names = set(skus)
    names |= catalog_store.bundles_containing(conn, names)
    return names | catalog_store.aliases_of(conn, names)


def _route_again(conn: Connection, order_ids: list[str], *, now: datetime) -> list[str]:
    """Orders held for want of a route: back to accepted (their stock still held)."""
    moved = order_store.move_many(
        conn, order_ids, from_status=OrderStatus.ON_HOLD, to_status=OrderStatus.ACCEPTED, now=now
    )
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
    return moved


def retry_waiting_now(conn: Connection, skus: Iterable[str]) -> int:
    """``retry_waiting`` as of now: what stock sync calls when stock of ``skus`` moved."""
    return retry_waiting(conn, skus, now=utcnow())


def stop_waiting(conn: Connection, order_id: str) -> None:
    """The order no longer waits for stock (released from its hold by an operator)."""
    routing_store.stop_waiting(conn, [order_id])
