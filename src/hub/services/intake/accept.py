"""The ``order.accept`` job: the last step of intake, its name and its handler in one place.

The writer queues one ``order.accept`` job with every new order. The job reserves the order's
lines, all or nothing; an order whose stock is short goes on hold with the shortfall as its
reason (policy ``hold``, the default) or is accepted with a backorder note (policy
``backorder``). The accepted orders are handed to ``router`` (bootstrap wires routing in)
in the same transaction, which routes them and releases them to fulfilment.

An order held for a shortfall waits for stock (``route_waits``): when stock of one of its
SKUs moves, ``accept_waiting`` reserves and accepts the waiting orders the stock now
covers, oldest first (``hub.services.routing.waits`` calls it from the stock fan-out).
An operator's hold never waits: only an operator releases it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import Connection

from hub.clock import utcnow
from hub.domain.lifecycle import EventKind, OrderStatus
from hub.services import stock
from hub.services.stock import Policy, Shortfall
from hub.store import orders
from hub.store import routing as routing_store
from hub.store.jobs import Job
from hub.store.orders import Event, event_row

ACCEPT_JOB = "order.accept"
WAITING_CHUNK = 500  # orders waiting for stock looked at per statement

#: routes accepted orders and releases them, in the caller's transaction
Router = Callable[[Connection, list[str]], object]


def accept_received(
    conn: Connection,
    order_ids: Sequence[str],
    *,
    actor: str,
    policy: Callable[[str], Policy] = lambda _channel: "hold",
    router: Router | None = None,
) -> list[str]:
    """Accept every order of ``order_ids`` still received, reserving its lines.

    ``policy`` gives a channel's policy for a shortfall. Safe to run twice: an order already
    moved on is left as it is. Returns the ids accepted.
    """
    channels = orders.lock_channels_in_status(conn, order_ids, OrderStatus.RECEIVED)
    if not channels:
        return []
    now = utcnow()
    policies = {oid: policy(channel) for oid, channel in channels.items()}
    ids = sorted(policies)
    shortfalls = stock.reserve_orders(conn, ids, policy_for=policies, now=now)
    held = {oid for oid in ids if shortfalls[oid] and policies[oid] == "hold"}
    to_accept = [oid for oid in ids if oid not in held]
    moved = orders.move_many(
        conn, to_accept, from_status=OrderStatus.RECEIVED, to_status=OrderStatus.ACCEPTED, now=now
    )
    on_hold = orders.move_many(
        conn,
        [oid for oid in ids if oid in held],
        from_status=OrderStatus.RECEIVED,
        to_status=OrderStatus.ON_HOLD,
        now=now,
        held_from=OrderStatus.RECEIVED,
    )
    events = [_accepted(oid, shortfalls[oid], actor=actor, now=now) for oid in moved]
    events += [_held(oid, shortfalls[oid], actor=actor, now=now) for oid in on_hold]
    orders.add_events_sync(conn, events)
    routing_store.wait_for_stock(conn, on_hold, now=now)  # retried when stock moves
    if router is not None and moved:
        router(conn, moved)  # route and release in the same transaction
    return moved


def accept_waiting(conn: Connection, order_ids: Sequence[str], *, now: datetime) -> list[str]:
    """Accept the orders of ``order_ids`` (on hold for a shortfall, oldest first) that the
    stock now covers, first come first served: an older order takes the units before a
    younger one, and one still short leaves them to the next (nothing is written for it).

    Each accepted order is released from its hold and accepted, both on its timeline.
    Returns the ids accepted, in the order given; the caller routes them and ends their wait.
    Taken a chunk at a time, oldest first, each chunk seeing what the one before took.
    """
    ready: list[str] = []
    for start in range(0, len(order_ids), WAITING_CHUNK):
        ready += _accept_covered(conn, order_ids[start : start + WAITING_CHUNK], now=now)
    return ready


def _accept_covered(conn: Connection, order_ids: Sequence[str], *, now: datetime) -> list[str]:
    fits = stock.reservable(conn, order_ids)  # a look without locks: usually nothing fits
    if not fits:
        return []
    locked = orders.lock_channels_in_status(conn, fits, OrderStatus.ON_HOLD)
    ids = [oid for oid in fits if oid in locked]
    shortfalls = stock.reserve_orders(conn, ids, policy_for=dict.fromkeys(ids, "hold"), now=now)
    covered = [oid for oid in ids if not shortfalls[oid]]
    held, received, accepted = OrderStatus.ON_HOLD, OrderStatus.RECEIVED, OrderStatus.ACCEPTED
    back = orders.move_many(conn, covered, from_status=held, to_status=received, now=now)
    done = set(orders.move_many(conn, back, from_status=received, to_status=accepted, now=now))
    release = Event(
        at=now,
        actor="worker",
        kind=EventKind.RELEASE,
        from_status=held,
        to_status=received,
        detail={"reason": "stock arrived"},
    )
    ready = [oid for oid in covered if oid in done]
    events = []
    for oid in ready:
        events += [event_row(oid, release), _accepted(oid, [], actor="worker", now=now)]
    orders.add_events_sync(conn, events)
    return ready


def _accepted(
    order_id: str, short: list[Shortfall], *, actor: str, now: datetime
) -> dict[str, Any]:
    return event_row(
        order_id,
        Event(
            at=now,
            actor=actor,
            kind=EventKind.ACCEPT,
            from_status=OrderStatus.RECEIVED,
            to_status=OrderStatus.ACCEPTED,
            detail={"backorder": shortfall_text(short)} if short else None,
        ),
    )


def _held(order_id: str, short: list[Shortfall], *, actor: str, now: datetime) -> dict[str, Any]:
    return event_row(
        order_id,
        Event(
            at=now,
            actor=actor,
            kind=EventKind.HOLD,
            from_status=OrderStatus.RECEIVED,
            to_status=OrderStatus.ON_HOLD,
            detail={
                "reason": f"not enough stock: {shortfall_text(short)}",
                "shortfalls": [msgspec.structs.asdict(x) for x in short],
            },
        ),
    )


def shortfall_text(short: list[Shortfall]) -> str:
    return "; ".join(f"{s.sku}: {s.short} of {s.wanted} short" for s in short)


def accept_handler(
    policy: Callable[[str], Policy], router: Router | None = None
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
