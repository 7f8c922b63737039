"""Order lifecycle actions (accept, hold, release, cancel) and order queries."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Literal

import msgspec
from sqlalchemy import Connection, select

from hub.clock import utcnow
from hub.domain.lifecycle import OrderStatus, TransitionRefused, release_target, require_move
from hub.domain.order import FieldError, Order
from hub.errors import Conflict, NotFound
from hub.services import stock
from hub.services.fulfilment.dispatch import cancel_open
from hub.services.ingest import ACCEPT_JOB
from hub.services.routing import waits
from hub.services.routing.route import ROUTE_JOB
from hub.services.stock import Policy, Shortfall
from hub.store import jobs as job_store
from hub.store import orders
from hub.store.database import Database
from hub.store.jobs import Job, NewJob
from hub.store.orders import Event, event_row
from hub.store.tables import orders as orders_table

RETRY_ACCEPT_ATTEMPTS = 8

Action = Literal["accept", "hold", "release", "cancel"]


class OrderDetail(Order, frozen=True, kw_only=True):
    """An order with its timeline, as ``GET /orders/{id}`` returns it."""

    timeline: list[Event]


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
            detail: dict[str, object] | None = {"reason": reason} if reason else None
            if target == OrderStatus.CANCELLED:
                released = await conn.run_sync(
                    lambda c: stock.release_order(c, order_id, reason="order cancelled")
                )
                if released:
                    detail = {**(detail or {}), "released_units": released}
                ended = await conn.run_sync(lambda c, now=now: cancel_open(c, order_id, now=now))
                if ended:
                    detail = {**(detail or {}), "cancelled_fulfilments": ended}
            elif target == OrderStatus.ACCEPTED and current == OrderStatus.ON_HOLD:
                # back from a hold after acceptance: route (and release) it now
                await conn.run_sync(lambda c: waits.stop_waiting(c, order_id))
                await job_store.enqueue(
                    conn,
                    [NewJob(ROUTE_JOB, {"order_id": order_id})],
                    now=now,
                    max_attempts=RETRY_ACCEPT_ATTEMPTS,
                )
            elif target == OrderStatus.RECEIVED:
                # back from a hold before acceptance: try to accept (and reserve) again
                await job_store.enqueue(
                    conn,
                    [NewJob(ACCEPT_JOB, {"order_id": order_id})],
                    now=now,
                    max_attempts=RETRY_ACCEPT_ATTEMPTS,
                )
            await orders.add_events(
                conn,
                [
                    event_row(
                        order_id,
                        Event(
                            at=now,
                            actor=actor,
                            kind=action,
                            from_status=current,
                            to_status=target,
                            detail=detail,
                        ),
                    )
                ],
            )
            updated = await orders.get(conn, order_id)
            assert updated is not None
        if target in (OrderStatus.RECEIVED, OrderStatus.ACCEPTED, OrderStatus.CANCELLED):
            db.signal_jobs()
        return updated
    raise Conflict(f"order {order_id} kept changing; try again")


def _shortfall_text(short: list[Shortfall]) -> str:
    return "; ".join(f"{s.sku}: {s.short} of {s.wanted} short" for s in short)


def accept_received(
    conn: Connection,
    order_ids: Sequence[str],
    *,
    actor: str,
    policy: Callable[[str], Policy] = lambda _channel: "hold",
    router: Callable[[Connection, list[str]], object] | None = None,
) -> list[str]:
    """Accept every order of ``order_ids`` still received, reserving its lines.

    An order whose stock is short goes on hold with the shortfall as its reason (policy
    ``hold``, the default) or is accepted with a backorder note (policy ``backorder``).
    ``policy`` gives a channel's policy. Safe to run twice: an order already moved on is
    left as it is. Returns the ids accepted.
    """
    query = (
        select(orders_table.c.id, orders_table.c.channel)
        .where(
            orders_table.c.id.in_(list(order_ids)),
            orders_table.c.status == OrderStatus.RECEIVED,
        )
        .order_by(orders_table.c.id)
    )
    if conn.dialect.name == "postgresql":
        # orders before stock, as a cancellation takes them: no lock-order deadlock
        query = query.with_for_update()
    rows = conn.execute(query).all()
    if not rows:
        return []
    now = utcnow()
    policies = {r.id: policy(r.channel) for r in rows}
    ids = sorted(policies)
    shortfalls = stock.reserve_orders(conn, ids, policy_for=policies, now=now)
    held = [oid for oid in ids if shortfalls[oid] and policies[oid] == "hold"]
    to_accept = [oid for oid in ids if oid not in set(held)]
    moved = orders.move_many(
        conn, to_accept, from_status=OrderStatus.RECEIVED, to_status=OrderStatus.ACCEPTED, now=now
    )
    on_hold = orders.move_many(
        conn, held, from_status=OrderStatus.RECEIVED, to_status=OrderStatus.ON_HOLD, now=now
    )
    events = [
        event_row(
            oid,
            Event(
                at=now,
                actor=actor,
                kind="accept",
                from_status=OrderStatus.RECEIVED,
                to_status=OrderStatus.ACCEPTED,
                detail={"backorder": _shortfall_text(shortfalls[oid])} if shortfalls[oid] else None,
            ),
        )
        for oid in moved
    ]
    events += [
        event_row(
            oid,
            Event(
                at=now,
                actor=actor,
                kind="hold",
                from_status=OrderStatus.RECEIVED,
                to_status=OrderStatus.ON_HOLD,
                detail={
                    "reason": f"not enough stock: {_shortfall_text(shortfalls[oid])}",
                    "shortfalls": [msgspec.structs.asdict(x) for x in shortfalls[oid]],
                },
            ),
        )
        for oid in on_hold
    ]
    orders.add_events_sync(conn, events)
    if router is not None and moved:
        router(conn, moved)  # route and release in the same transaction
    return moved


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


def accept_handler(
    policy: Callable[[str], Policy],
    router: Callable[[Connection, list[str]], object] | None = None,
) -> Callable[[Connection, list[Job]], None]:
    """The ``order.accept`` local job handler, with each channel's stock policy; ``router``
    routes the accepted orders and releases them to fulfilment in the same transaction."""

    def handle(conn: Connection, jobs: list[Job]) -> None:
        accept_received(
            conn,
            [j.payload["order_id"] for j in jobs],
            actor="worker",
            policy=policy,
            router=router,
        )

    return handle
