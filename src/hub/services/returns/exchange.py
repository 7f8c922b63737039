"""Exchanges: a return whose resolution is ``exchange`` names replacement lines (the same SKU
or another, any quantity). Authorising it makes them a new order on the same channel, linked
to the original (``link_kind`` ``exchange``), at no charge, in the authorising transaction;
the intake's accept job reserves its stock at once.

When it ships is the channel's ``exchange_release``: ``on_receipt`` (the default) holds it,
its stock reserved, until every returned unit is received (``gate`` wraps the router that
acceptance calls; ``release_received`` is called by the receipt); ``at_once`` routes it like
any order. Nothing is refunded for exchanged units (``services.returns.refunds``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

import msgspec
from sqlalchemy import Connection, Row, select

from hub.clock import utcnow
from hub.domain.bounds import OneLine
from hub.domain.lifecycle import EventKind, OrderStatus
from hub.domain.order import FieldError, InvalidOrder, Line, OrderData, Shipping, Totals
from hub.domain.order import normalise as normalise_order
from hub.domain.returns import ReturnPolicy, ReturnStatus
from hub.errors import HubError, Unprocessable
from hub.services import stock
from hub.services.intake.batch import IngestRequest, content_hash, write_batch
from hub.services.routing.route import ROUTE_JOB
from hub.store import jobs as job_store
from hub.store import orders as order_store
from hub.store import returns as store
from hub.store.jobs import NewJob
from hub.store.orders import Event, event_row
from hub.store.tables import orders

AWAITING_RETURN = "awaiting_return"
LINK_KIND = "exchange"
JOB_ATTEMPTS = 10
#: return statuses in which the returned units are not all in yet
WAITING = frozenset({ReturnStatus.REQUESTED, ReturnStatus.AUTHORISED, ReturnStatus.IN_TRANSIT,
                     ReturnStatus.PARTIALLY_RECEIVED})  # fmt: skip
Router = Callable[[Connection, list[str]], Any]
S = OrderStatus


class ExchangeLineIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One replacement line: a SKU the hub knows (the returned one or another) and units."""

    sku: Annotated[OneLine, msgspec.Meta(min_length=1, max_length=100)]
    quantity: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]


def _refuse(field: str, reason: str) -> Unprocessable:
    return Unprocessable(f"{field}: {reason}; nothing was written", [FieldError(field, reason)])


def checked_lines(
    conn: Connection, resolution: str, lines: list[ExchangeLineIn] | None
) -> str | None:
    """The replacement lines as stored (JSON), or a 422 naming ``exchange`` (missing, or
    given without an exchange) or ``exchange[i].sku`` (a SKU the hub does not know)."""
    if resolution != "exchange":
        if lines:
            raise _refuse("exchange", "replacement lines go only with resolution exchange")
        return None
    if not lines:
        raise _refuse("exchange", "an exchange needs its replacement lines")
    known = store.known_skus(conn, {ln.sku for ln in lines})
    for i, ln in enumerate(lines):
        if ln.sku not in known:
            raise _refuse(f"exchange[{i}].sku", f"unknown SKU {ln.sku!r}")
    return msgspec.json.encode(lines).decode()


def lines_of(row: Row[Any]) -> list[ExchangeLineIn]:
    raw = getattr(row, "exchange_lines", None)
    return msgspec.json.decode(raw, type=list[ExchangeLineIn]) if raw else []


def exchange_order(original: Row[Any], lines: list[ExchangeLineIn], return_id: str,
                   *, placed: datetime) -> OrderData:  # fmt: skip
    """The no-charge order that sends ``lines`` to the original's buyer (the same request
    twice is the same order: ``external_id`` ``exchange-<return id>``)."""
    data = order_store.content(original)
    names = {ln.sku: ln.name for ln in data.lines}
    made = [Line(sku=ln.sku, name=names.get(ln.sku), quantity=ln.quantity, unit_price=0)
            for ln in lines]  # fmt: skip
    try:
        return normalise_order(OrderData(
            channel=original.channel, external_id=f"exchange-{return_id}", placed_at=placed,
            currency=data.currency, customer=data.customer,
            shipping_address=data.shipping_address, billing_address=data.billing_address,
            lines=made,
            shipping=Shipping(method=data.shipping.method,
                              service_level=data.shipping.service_level),
            totals=Totals(subtotal=0, total=0), tags=["exchange"],
            note=f"exchange for return {return_id} of order {original.number}",
        ))  # fmt: skip
    except InvalidOrder as exc:
        raise _refuse("exchange", f"the exchange order cannot be made: {exc}") from None


def make_order(conn: Connection, row: Row[Any], *, actor: str, now: datetime) -> str | None:
    """Make the exchange's order in the caller's transaction (once); its id, or None for a
    return that exchanges nothing. Both orders' timelines say so."""
    lines = lines_of(row)
    if row.resolution != "exchange" or not lines:
        return None
    if row.exchange_order_id:
        return str(row.exchange_order_id)
    original = conn.execute(select(orders).where(orders.c.id == row.order_id)).one()
    data = exchange_order(original, lines, row.id, placed=row.created_at)
    req = IngestRequest(data=data, actor=actor, link=(row.order_id, LINK_KIND))
    (made,) = write_batch([(req, content_hash(data))], conn, now=now, max_attempts=JOB_ATTEMPTS)
    if isinstance(made, HubError):
        raise made
    store.set_values(conn, row.id, now=now, exchange_order_id=made.order_id)
    shown = [{"sku": ln.sku, "quantity": ln.quantity} for ln in lines]
    order_store.add_note(conn, row.order_id, EventKind.RETURN_EXCHANGE,
                         {"return": row.id, "exchange_order": made.order_id, "lines": shown},
                         actor=actor, now=now)  # fmt: skip
    order_store.add_note(conn, made.order_id, EventKind.EXCHANGE,
                         {"return": row.id, "original_order": row.order_id, "lines": shown},
                         actor=actor, now=now)  # fmt: skip
    return made.order_id


def gate(router: Router, policy_of: Callable[[str], ReturnPolicy]) -> Router:
    """``router`` for acceptance, except that an exchange's order whose channel releases
    exchanges ``on_receipt`` and whose return is not yet received goes on hold instead (its
    reservation kept), to be released by ``release_received``."""

    def run(conn: Connection, order_ids: list[str]) -> Any:
        held = hold_waiting(conn, order_ids, policy_of)
        return router(conn, [oid for oid in order_ids if oid not in held])

    return run


def hold_waiting(
    conn: Connection, order_ids: list[str], policy_of: Callable[[str], ReturnPolicy]
) -> set[str]:
    if not order_ids:
        return set()
    found = [
        r for r in store.by_exchange_order(conn, order_ids)
        if r.status in WAITING and policy_of(r.channel).exchange_release == "on_receipt"
    ]  # fmt: skip
    ids = [r.id for r in found]
    now = utcnow()
    moved = set(order_store.move_many(conn, ids, from_status=S.ACCEPTED, to_status=S.ON_HOLD,
                                      now=now, held_from=S.ACCEPTED))  # fmt: skip
    order_store.add_events_sync(conn, [
        event_row(r.id, Event(at=now, actor="worker", kind=EventKind.HOLD, from_status=S.ACCEPTED,
                              to_status=S.ON_HOLD,
                              detail={"reason": AWAITING_RETURN, "return": r.return_id}))
        for r in found if r.id in moved
    ])  # fmt: skip
    return moved


def release_received(conn: Connection, row: Row[Any], *, actor: str, now: datetime) -> bool:
    """Release the exchange's order of the return ``row`` (every unit received now) if it
    waits for it: accepted again and routed (``order.route``); True when it was."""
    oid = row.exchange_order_id
    if not oid or order_store.status_of(conn, oid) != S.ON_HOLD:
        return False
    if store.last_hold_reason(conn, oid) != AWAITING_RETURN:
        return False  # held by an operator or for stock: theirs to release
    if not order_store.move_many(conn, [oid], from_status=S.ON_HOLD, to_status=S.ACCEPTED,
                                 now=now):  # fmt: skip
        return False
    detail = {"reason": "return received", "return": row.id}
    order_store.add_events_sync(conn, [event_row(oid, Event(
        at=now, actor=actor, kind=EventKind.RELEASE, from_status=S.ON_HOLD,
        to_status=S.ACCEPTED, detail=detail))])  # fmt: skip
    job_store.enqueue_sync(conn, [NewJob(ROUTE_JOB, {"order_id": oid})], now=now,
                           max_attempts=JOB_ATTEMPTS)  # fmt: skip
    order_store.add_note(conn, row.order_id, EventKind.RETURN_EXCHANGE,
                         {"return": row.id, "exchange_order": oid, "released": True},
                         actor=actor, now=now)  # fmt: skip
    return True


def cancel_waiting(conn: Connection, row: Row[Any], *, actor: str, now: datetime) -> str | None:
    """The return of ``row`` is cancelled: its exchange order is cancelled too (its stock
    released) while it has not gone to fulfilment (received, or on hold for the return);
    what became of it, for the timeline (None: there is none)."""
    oid = row.exchange_order_id
    if not oid:
        return None
    status = order_store.status_of(conn, oid)
    waiting = status == S.ON_HOLD and store.last_hold_reason(conn, oid) == AWAITING_RETURN
    if not (waiting or status == S.RECEIVED):
        return f"{status}: left for an operator"
    if not order_store.move_many(conn, [oid], from_status=status, to_status=S.CANCELLED,
                                 now=now):  # fmt: skip
        return f"{status}: left for an operator"
    released = stock.release_order(conn, oid, reason=f"exchange cancelled with return {row.id}")
    detail = {"reason": f"return {row.id} cancelled", "released_units": released}
    order_store.add_events_sync(conn, [event_row(oid, Event(
        at=now, actor=actor, kind=EventKind.CANCEL, from_status=status, to_status=S.CANCELLED,
        detail=detail))])  # fmt: skip
    return "cancelled"
