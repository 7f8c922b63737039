"""Route accepted orders and release them to fulfilment, a batch at a time, in the caller's
transaction (the acceptance transaction, or the ``order.route`` local job).

For each order the rules pick locations from the stock available to it (what it holds
plus what is free); its reservation moves to exactly those locations and one fulfilment
per location is written. The order then walks the order table, accepted -> allocated ->
released, as two set-based moves for the whole batch, each step on its timeline (``route``
with the rule, its reason and the fulfilments; ``release``). No route: the order goes on
hold with every rule's reason and waits for stock (``waits``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import Connection

from hub.clock import utcnow
from hub.domain.lifecycle import EventKind, OrderStatus
from hub.domain.order import Line, Order
from hub.domain.payments import AWAITING_PAYMENT, ReleaseWhen, Summary, releasable
from hub.domain.routing import Decision, RouteLine, RuleSet, Site, route, route_order_from
from hub.services import stock
from hub.services.fulfilment import JOB_ATTEMPTS
from hub.services.fulfilment.dispatch import Opened, fulfilment_rows
from hub.services.fulfilment.stock_lines import stock_lines
from hub.store import fulfilment as fulfilment_store
from hub.store import jobs as job_store
from hub.store import orders as order_store
from hub.store import payments as payment_store
from hub.store import routing as routing_store
from hub.store import stock as stock_store
from hub.store.orders import Event, event_row

ROUTE_JOB = "order.route"  # payload: order_id
#: a channel's ``release_when`` (``hub.connections.Connections.release_when``)
ReleasePolicy = Callable[[str], ReleaseWhen]

S = OrderStatus


@dataclass(slots=True)
class _Batch:
    """What routing a batch of orders writes, gathered to be written set by set."""

    released: list[str] = field(default_factory=list)
    unrouted: list[str] = field(default_factory=list)
    awaiting: dict[str, str] = field(default_factory=dict)  # id -> release_when unmet
    events: list[dict[str, Any]] = field(default_factory=list)  # timeline rows
    opened: Opened = field(default_factory=Opened)


def route_orders(
    conn: Connection,
    order_ids: Sequence[str],
    *,
    rules: RuleSet,
    actor: str = "worker",
    release_when: ReleasePolicy = lambda _channel: "paid",
) -> list[str]:
    """Route each accepted order of ``order_ids``; returns the ids released to fulfilment.
    Orders in any other status are left alone; one whose payment ``release_when`` (by
    channel) does not allow yet is held awaiting it."""
    found = order_store.lock_in_status(conn, order_ids, S.ACCEPTED)
    if not found:
        return []
    sites, served_by = routing_store.sites(conn)
    now = utcnow()
    batch = _Batch()
    for order in found:
        if _awaits_payment(order, release_when(order.channel), batch, actor, now):
            continue
        lines, source = stock_lines(conn, order)
        decision, held = _decide(conn, order, lines, rules, sites, now)
        if decision.routed:
            made = _allocate(conn, order, decision, held, source, served_by, now=now, batch=batch)
            batch.released.append(order.id)
            detail = {"rule": decision.rule, "reason": decision.reason, "fulfilments": made}
            ids = {"fulfilments": [m["id"] for m in made]}
            batch.events += [
                _step(order.id, EventKind.ROUTE, S.ACCEPTED, S.ALLOCATED, detail, actor, now),
                _step(order.id, EventKind.RELEASE, S.ALLOCATED, S.RELEASED, ids, actor, now),
            ]
        else:
            batch.unrouted.append(order.id)
            detail = {"reason": f"no route: {decision.reason}", "waiting_for": "stock"}
            batch.events.append(
                _step(order.id, EventKind.ROUTE, S.ACCEPTED, S.ON_HOLD, detail, actor, now)
            )
    _write(conn, batch, now=now)
    return batch.released


def _awaits_payment(
    order: Order, when: ReleaseWhen, batch: _Batch, actor: str, now: datetime
) -> bool:
    """Hold ``order`` for its money unless ``when`` allows it to go (noted in ``batch``)."""
    paid = Summary.of(order.payment)
    if releasable(when, paid, order.totals.total):
        return False
    batch.awaiting[order.id] = when
    detail = {
        "reason": AWAITING_PAYMENT,
        "release_when": when,
        "total": order.totals.total,
        "authorized": paid.authorized,
        "captured": paid.captured,
    }
    batch.events.append(_step(order.id, EventKind.HOLD, S.ACCEPTED, S.ON_HOLD, detail, actor, now))
    return True


def _decide(
    conn: Connection,
    order: Order,
    lines: list[RouteLine],
    rules: RuleSet,
    sites: list[Site],
    now: datetime,
) -> tuple[Decision, dict[tuple[str, str], int]]:
    """The rules' decision for ``order`` from the stock available to it, and what it holds
    now per (sku, location)."""
    held = stock_store.reserved_for_order(conn, order.id)
    levels = stock_store.lock_levels(conn, {ln.sku for ln in lines})
    available = {
        key: max(0, lvl.on_hand - lvl.reserved) + held.get(key, 0)
        for key, (_, lvl) in levels.items()
    }
    asked = msgspec.structs.replace(route_order_from(order), lines=lines)
    return route(asked, rules, sites, available, now=now), held


def _allocate(
    conn: Connection,
    order: Order,
    decision: Decision,
    held: dict[tuple[str, str], int],
    source: dict[str, Line],
    served_by: dict[str, str | None],
    *,
    now: datetime,
    batch: _Batch,
) -> list[dict[str, Any]]:
    """Move the order's reservation to the decision's locations and open its fulfilments;
    returns what the timeline says of them."""
    plan = [(ln.sku, a.location, ln.quantity) for a in decision.allocations for ln in a.lines]
    wanted: dict[tuple[str, str], int] = defaultdict(int)
    for sku, loc, n in plan:
        wanted[(sku, loc)] += n
    if dict(wanted) != held:
        stock.release_order(conn, order.id, reason=f"moved by routing ({decision.rule})")
        stock.reserve_at(conn, order.id, plan, reason=f"routed by rule {decision.rule}", now=now)
    return fulfilment_rows(order, decision, source, served_by, now=now, into=batch.opened)


def _step(
    order_id: str,
    kind: EventKind,
    frm: OrderStatus,
    to: OrderStatus,
    detail: dict[str, Any],
    actor: str,
    now: datetime,
) -> dict[str, Any]:
    event = Event(at=now, actor=actor, kind=kind, from_status=frm, to_status=to, detail=detail)
    return event_row(order_id, event)


def _write(conn: Connection, batch: _Batch, *, now: datetime) -> None:
    """The batch's status moves (each checked against the order table), fulfilments,
    timeline and jobs: a few statements for the whole batch. Every order was locked
    accepted, so every one moves."""
    released = order_store.move_many(
        conn, batch.released, from_status=S.ACCEPTED, to_status=S.ALLOCATED, now=now
    )
    order_store.move_many(conn, released, from_status=S.ALLOCATED, to_status=S.RELEASED, now=now)
    held = order_store.move_many(
        conn,
        batch.unrouted,
        from_status=S.ACCEPTED,
        to_status=S.ON_HOLD,
        now=now,
        held_from=S.ACCEPTED,
    )
    unpaid = order_store.move_many(
        conn,
        list(batch.awaiting),
        from_status=S.ACCEPTED,
        to_status=S.ON_HOLD,
        now=now,
        held_from=S.ACCEPTED,
    )
    payment_store.await_payment(conn, {oid: batch.awaiting[oid] for oid in unpaid})
    fulfilment_store.insert_fulfilments(conn, batch.opened.rows, batch.opened.lines)
    order_store.add_events_sync(conn, batch.events)
    routing_store.wait_for_stock(conn, held, now=now)
    routing_store.stop_waiting(conn, batch.released)
    job_store.enqueue_sync(conn, batch.opened.jobs, now=now, max_attempts=JOB_ATTEMPTS)
