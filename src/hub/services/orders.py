"""Order lifecycle actions (accept, hold, release, cancel) and order queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

import msgspec
from sqlalchemy import Connection

from hub.domain.lifecycle import OrderStatus, TransitionRefused, release_target, require_move
from hub.domain.order import FieldError, Order
from hub.errors import Conflict, NotFound, utcnow
from hub.store import orders
from hub.store.database import Database
from hub.store.jobs import Job
from hub.store.orders import Event, event_row

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
                status=target,
                held_from=held_from,
                now=now,
            ):
                continue  # changed under us; read again
            detail = {"reason": reason} if reason else None
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
            return updated
    raise Conflict(f"order {order_id} kept changing; try again")


def accept_received(conn: Connection, order_ids: Sequence[str], *, actor: str) -> list[str]:
    """Accept every order of ``order_ids`` still received (default channel policy).

    Safe to run twice: an order already moved on is left as it is.
    """
    now = utcnow()
    moved = orders.move_many(
        conn, order_ids, from_status=OrderStatus.RECEIVED, to_status=OrderStatus.ACCEPTED, now=now
    )
    orders.add_events_sync(
        conn,
        [
            event_row(
                oid,
                Event(
                    at=now,
                    actor=actor,
                    kind="accept",
                    from_status=OrderStatus.RECEIVED,
                    to_status=OrderStatus.ACCEPTED,
                ),
            )
            for oid in moved
        ],
    )
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


def handle_accept_jobs(conn: Connection, jobs: list[Job]) -> None:
    """``order.accept`` jobs (local): accept received orders in the claiming transaction."""
    accept_received(conn, [j.payload["order_id"] for j in jobs], actor="worker")
