"""An operator's order actions (accept, hold, release, cancel), order queries, and the
check that a directly entered order's channel exists.

How an order comes in, and the ``order.accept`` job, are in ``services/intake``; what an
operator may change on an order (``PATCH``) is in ``services/order_edit``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

import msgspec
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.clock import utcnow
from hub.connections import Connections
from hub.domain.lifecycle import (
    EventKind,
    OrderStatus,
    TransitionRefused,
    release_target,
    require_move,
)
from hub.domain.order import FieldError, Order
from hub.domain.refund import refund_due
from hub.errors import Conflict, NotFound, Unprocessable
from hub.services import stock
from hub.services.fulfilment.dispatch import cancel_open
from hub.services.intake.accept import ACCEPT_JOB
from hub.services.routing import waits
from hub.services.routing.route import ROUTE_JOB
from hub.store import jobs as job_store
from hub.store import order_queries, orders
from hub.store import payments as payment_store
from hub.store.database import Database
from hub.store.jobs import NewJob
from hub.store.order_queries import OrderFilter, OrderSort
from hub.store.orders import Event, event_row, to_order

RETRY_ACCEPT_ATTEMPTS = 8

Action = Literal["accept", "hold", "release", "cancel"]


class OrderDetail(Order, frozen=True, kw_only=True):
    """An order with its timeline, as ``GET /orders/{id}`` returns it."""

    timeline: list[Event]


def require_channel(connections: Connections, channel: str) -> None:
    """An order entered directly (``POST /orders``, ``hub import``) must name a channel the
    hub knows: ``callcentre``, or a configured connection (a custom channel is configured
    with ``connector: callcentre``). Otherwise its stock rules, policy and the channel it
    reports back to would be guesses."""
    if connections.get(channel) is None:
        raise Unprocessable(
            f"no such connection: {channel!r}; an order's channel is callcentre or a "
            f"connection configured in HUB_CONFIG",
            [FieldError("channel", "no such connection")],
        )


def _target(action: Action, status: OrderStatus, held_from: str | None) -> OrderStatus:
    if action == "accept":
        return OrderStatus.ACCEPTED
    if action == "hold":
        return OrderStatus.ON_HOLD
    if action == "cancel":
        return OrderStatus.CANCELLED
    if status != OrderStatus.ON_HOLD:
        raise Conflict(
            f"order is {status}, not on_hold; only an order on hold can be released",
            [FieldError("status", f"is {status}")],
        )
    return release_target(OrderStatus(held_from) if held_from else None)


async def change(
    db: Database, order_id: str, action: Action, *, actor: str, reason: str | None = None
) -> Order:
    """Apply ``action`` to an order, write it to the timeline, and return the order."""
    for _ in range(5):
        async with db.write() as conn:
            row = await orders.get_row(conn, order_id)
            if row is None:
                raise NotFound(f"no order {order_id}")
            current = OrderStatus(row.status)
            target = _target(action, current, row.held_from)
            try:
                require_move(current, target)
            except TransitionRefused as exc:
                raise Conflict(str(exc), [FieldError("status", f"is {current}")]) from None
            now = utcnow()
            held_from = current if target == OrderStatus.ON_HOLD else None
            if not await orders.move(
                conn,
                order_id,
                expected_version=row.version,
                from_status=current,
                status=target,
                held_from=held_from,
                now=now,
            ):
                continue  # changed under us; read again
            detail: dict[str, object] = {"reason": reason} if reason else {}
            detail |= await _follow_up(conn, order_id, current, target, now=now)
            event = Event(
                at=now,
                actor=actor,
                kind=EventKind(action),
                from_status=current,
                to_status=target,
                detail=detail or None,
            )
            await orders.add_events(conn, [event_row(order_id, event)])
            updated = await orders.get(conn, order_id)
            assert updated is not None
        if target in (OrderStatus.RECEIVED, OrderStatus.ACCEPTED, OrderStatus.CANCELLED):
            db.signal_jobs()
        return updated
    raise Conflict(f"order {order_id} kept changing; try again")


async def _follow_up(
    conn: AsyncConnection,
    order_id: str,
    current: OrderStatus,
    target: OrderStatus,
    *,
    now: datetime,
) -> dict[str, object]:
    """What a move sets off, in its transaction; returns what the timeline should note."""
    noted: dict[str, object] = {}
    if target == OrderStatus.CANCELLED:
        released = await conn.run_sync(
            lambda c: stock.release_order(c, order_id, reason="order cancelled")
        )
        if released:
            noted["released_units"] = released
        ended = await conn.run_sync(lambda c: cancel_open(c, order_id, now=now))
        if ended:
            noted["cancelled_fulfilments"] = ended
        row = await orders.get_row(conn, order_id)  # cancelled now: its figures say what is due
        if row is not None:
            noted["refund_due"] = msgspec.to_builtins(refund_due(to_order(row)))
    elif target == OrderStatus.ACCEPTED and current == OrderStatus.ON_HOLD:
        # back from a hold after acceptance: route (and release) it now
        await conn.run_sync(lambda c: waits.stop_waiting(c, order_id))
        await _queue(conn, ROUTE_JOB, order_id, now=now)
    elif target == OrderStatus.RECEIVED:
        # back from a hold before acceptance: try to accept (and reserve) again
        await conn.run_sync(lambda c: waits.stop_waiting(c, order_id))
        await _queue(conn, ACCEPT_JOB, order_id, now=now)
    return noted


async def _queue(conn: AsyncConnection, kind: str, order_id: str, *, now: datetime) -> None:
    await job_store.enqueue(
        conn, [NewJob(kind, {"order_id": order_id})], now=now, max_attempts=RETRY_ACCEPT_ATTEMPTS
    )


async def get_detail(db: Database, reference: str) -> OrderDetail:
    """An order with its timeline and, in its ``payment``, its recorded transactions, by
    its id or its number (``H-100002``)."""
    async with db.read() as conn:
        order = await orders.get(conn, reference)
        if order is None and (found := await order_queries.id_by_number(conn, reference)):
            order = await orders.get(conn, found)
        if order is None:
            raise NotFound(f"no order {reference}")
        events = await orders.timeline(conn, order.id)
        recorded = await payment_store.transactions(conn, order.id)
    payment = msgspec.structs.replace(order.payment, transactions=recorded)
    fields = msgspec.structs.asdict(order) | {"payment": payment}
    return OrderDetail(**fields, timeline=events)


async def detail_by_external(db: Database, channel: str, external_id: str) -> OrderDetail:
    """An order with its timeline, by the channel's own id for it."""
    async with db.read() as conn:
        found = await order_queries.id_by_external(conn, channel, external_id)
    if found is None:
        raise NotFound(f"no order {external_id!r} from channel {channel!r}")
    return await get_detail(db, found)


async def list_orders(
    db: Database,
    found: OrderFilter,
    *,
    sort: OrderSort = OrderSort.PLACED_DESC,
    after: Sequence[Any] | None = None,
    limit: int = 100,
) -> list[Order]:
    """Up to ``limit`` orders that pass ``found``, in ``sort`` order, after the sort key
    ``after`` (the key of the last order of the previous page)."""
    async with db.read() as conn:
        return await order_queries.list_page(conn, found, sort=sort, after=after, limit=limit)


__all__ = [
    "Action",
    "OrderDetail",
    "OrderFilter",
    "OrderSort",
    "change",
    "detail_by_external",
    "get_detail",
    "list_orders",
]
