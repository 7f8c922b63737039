"""An operator's order actions (accept, hold, release, cancel), order queries, and the
check that a directly entered order's channel exists.

How an order comes in, and the ``order.accept`` job, are in ``services/intake``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

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
from hub.errors import Conflict, NotFound, Unprocessable
from hub.services import stock
from hub.services.fulfilment.dispatch import cancel_open
from hub.services.intake.accept import ACCEPT_JOB
from hub.services.routing import waits
from hub.services.routing.route import ROUTE_JOB
from hub.store import jobs as job_store
from hub.store import orders
from hub.store.database import Database
from hub.store.jobs import NewJob
from hub.store.orders import Event, event_row

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


async def get_detail(db: Database, order_id: str) -> OrderDetail:
    async with db.read() as conn:
        order = await orders.get(conn, order_id)
        if order is None:
            raise NotFound(f"no order {order_id}")
        events = await orders.timeline(conn, order_id)
    return OrderDetail(**msgspec.structs.asdict(order), timeline=events)


async def list_orders(
    db: Database,
    *,
    channels: Sequence[str] | None,
    status: str | None,
    placed_from: datetime | None,
    placed_to: datetime | None,
    before_id: str | None,
    limit: int,
) -> tuple[list[Order], str | None]:
    """A page of orders, newest first, and the cursor of the next page (None at the end)."""
    async with db.read() as conn:
        page = await orders.list_page(
            conn,
            channels=channels,
            status=status,
            placed_from=placed_from,
            placed_to=placed_to,
            before_id=before_id,
            limit=limit + 1,
        )
    if len(page) > limit:
        return page[:limit], page[limit - 1].id
    return page, None
