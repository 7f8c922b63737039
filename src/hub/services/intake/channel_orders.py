"""Orders as channels report them: create once, update in place, follow channel cancellations.

The same (channel, external_id) is always one hub order. A later version from the channel
updates it while nothing has been released to a warehouse; after that the change is not
applied but flagged for an operator (``attention``). A channel cancellation cancels the
order while nothing has shipped, and is flagged for an operator once something has.
Whatever the order's status, what the channel reports of its payment is recorded
(``hub.services.payments``): a version that changes only the payment is kept as it is, and
money that arrives releases an order held for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import Connection

from hub.domain.lifecycle import EDITABLE, EventKind, OrderStatus, can_move
from hub.domain.order import OrderData, normalise
from hub.domain.order_edit import keep_edits
from hub.errors import Conflict
from hub.sdk.connector import ChannelOrder
from hub.services import stock
from hub.services.fulfilment.pos import consume_pos_sale
from hub.services.intake.accept import shortfall_text
from hub.services.intake.batch import IngestRequest, IngestResult, content_hash, write_batch
from hub.services.payments.record import record_report
from hub.store import order_intake
from hub.store import orders as order_store
from hub.store import payments as payment_store
from hub.store import routing as routing_store
from hub.store.order_queries import search_text
from hub.store.orders import Event, event_row


@dataclass(frozen=True, slots=True)
class Applied:
    order_id: str
    created: bool
    updated: bool
    cancelled: bool
    attention: str | None


def apply_sync(
    conn: Connection, reported: ChannelOrder, *, actor: str, now: datetime, max_attempts: int
) -> Applied:
    """Bring the hub's order in line with the channel's report, in the caller's transaction."""
    data = normalise(reported.order)
    digest = content_hash(data)
    [outcome] = write_batch(
        [(IngestRequest(data=data, actor=actor), digest)],
        conn,
        now=now,
        max_attempts=max_attempts,
    )
    updated = False
    attention: str | None = None
    if isinstance(outcome, IngestResult):
        order_id, created = outcome.order_id, outcome.created
    elif isinstance(outcome, Conflict):
        created = False
        order_id, updated, attention = _update(conn, data, digest, actor=actor, now=now)
    else:  # pragma: no cover - write_batch answers only these for a request without a key
        raise outcome
    if not created:  # a new order's payment came with it
        record_report(conn, order_id, data.payment, actor=actor, now=now)
    cancelled = False
    if reported.state == "cancelled":
        cancelled, flag = _cancel(conn, order_id, actor=actor, now=now)
        attention = flag or attention
    elif reported.state == "fulfilled":
        attention = _fulfilled(conn, order_id, actor=actor, now=now) or attention
    return Applied(order_id, created, updated, cancelled, attention)


def _fulfilled(conn: Connection, order_id: str, *, actor: str, now: datetime) -> str | None:
    """The channel fulfilled the order itself (a point-of-sale sale handed over at the till)."""
    status = order_store.status_of(conn, order_id)
    if status == OrderStatus.RECEIVED:
        order_store.move_many(
            conn, [order_id], from_status=status, to_status=OrderStatus.DELIVERED, now=now
        )
        _event(
            conn,
            order_id,
            EventKind.FULFILLED_ON_CHANNEL,
            status,
            OrderStatus.DELIVERED,
            actor=actor,
            now=now,
        )
        note = consume_pos_sale(conn, order_id, now=now)
        if note is not None:
            order_store.flag_attention(
                conn, order_id, note, actor=actor, now=now, kind=EventKind.STOCK_NOT_TAKEN
            )
        return note
    if status in (
        OrderStatus.PARTIALLY_SHIPPED,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
        OrderStatus.CLOSED,
    ):
        return None
    note = f"the channel reports the order fulfilled while the hub has it {status}"
    order_store.flag_attention(
        conn, order_id, note, actor=actor, now=now, kind=EventKind.FULFILLED_ON_CHANNEL
    )
    return note


def _update(
    conn: Connection, data: OrderData, digest: str, *, actor: str, now: datetime
) -> tuple[str, bool, str | None]:
    key = (data.channel or "", data.external_id or "")
    row = order_intake.find_by_natural_keys(conn, [key])[key]
    old = order_store.content(row)  # as the channel sent it (its payment as reported)
    edited = order_store.edits_of(row)
    data, edits, taken_back = keep_edits(data, old, edited)
    changed = _changed(old, data)
    status = OrderStatus(row.status)
    if changed == ["payment"]:  # recorded by the caller, whatever the order's status
        payment_store.replace_report(conn, row.id, data, digest, now=now)
        return row.id, False, None
    changed = [c for c in changed if c != "payment"]
    if status not in EDITABLE:
        note = f"the channel changed {', '.join(changed)} after the order was {status}"
        order_store.flag_attention(
            conn, row.id, note, actor=actor, now=now, kind=EventKind.UPDATE_REFUSED
        )
        return row.id, False, note
    data = msgspec.structs.replace(data, placed_at=data.placed_at or old.placed_at)
    order_store.replace_from_channel(
        conn, row.id, data, digest, now=now, search=search_text(row.number, data), edits=edits
    )
    order_store.add_note(
        conn,
        row.id,
        EventKind.UPDATED,
        _edits_noted({"changed": changed}, edits, taken_back),
        actor=actor,
        now=now,
    )
    if "lines" in changed:
        note = _rereserve(conn, row.id, actor=actor, now=now)
        if note:
            return row.id, True, note
    return row.id, True, None


def _rereserve(conn: Connection, order_id: str, *, actor: str, now: datetime) -> str | None:
    """The lines of an order holding stock changed: reserve the new lines instead.

    The order keeps its status; whatever cannot be reserved now is flagged for an operator.
    An order holding no stock (not yet accepted, or held) is left to the accept job.
    """
    if not stock.release_order(conn, order_id, reason="order lines changed on the channel"):
        return None
    short = stock.reserve_orders(conn, [order_id], policy_for={order_id: "backorder"}, now=now)
    if not short[order_id]:
        return None
    note = f"the channel changed the lines and stock is short: {shortfall_text(short[order_id])}"
    order_store.flag_attention(
        conn, order_id, note, actor=actor, now=now, kind=EventKind.STOCK_SHORT
    )
    return note


def _cancel(
    conn: Connection, order_id: str, *, actor: str, now: datetime
) -> tuple[bool, str | None]:
    status = order_store.status_of(conn, order_id)
    if status == OrderStatus.CANCELLED:
        return False, None
    if can_move(status, OrderStatus.CANCELLED):
        order_store.move_many(
            conn, [order_id], from_status=status, to_status=OrderStatus.CANCELLED, now=now
        )
        detail: dict[str, object] = {"reason": "cancelled on the channel"}
        row = payment_store.lock_order(conn, order_id)
        if row is not None and (due := order_store.summary(row).refund_due):
            detail["refund_due"] = due  # captured and not yet refunded: owed to the buyer
        _event(
            conn,
            order_id,
            EventKind.CANCEL,
            status,
            OrderStatus.CANCELLED,
            actor=actor,
            now=now,
            detail=detail,
        )
        stock.release_order(conn, order_id, reason="order cancelled on the channel")
        routing_store.stop_waiting(conn, [order_id])
        return True, None
    note = f"the channel cancelled the order after it was {status}"
    order_store.flag_attention(
        conn, order_id, note, actor=actor, now=now, kind=EventKind.CANCEL_REFUSED
    )
    return False, note


def _event(
    conn: Connection,
    order_id: str,
    kind: EventKind,
    frm: OrderStatus,
    to: OrderStatus,
    *,
    actor: str,
    now: datetime,
    detail: dict[str, object] | None = None,
) -> None:
    event = Event(at=now, actor=actor, kind=kind, from_status=frm, to_status=to, detail=detail)
    order_store.add_events_sync(conn, [event_row(order_id, event)])


def _edits_noted(
    detail: dict[str, Any], kept: dict[str, Any], taken_back: list[str]
) -> dict[str, Any]:
    """The timeline's note of an update to an order an operator edited."""
    if kept:
        detail["operator_edits_kept"] = sorted(kept)
    if taken_back:
        detail["operator_edits_replaced_by_channel"] = taken_back
    return detail


def _changed(old: OrderData, new: OrderData) -> list[str]:
    before, after = msgspec.structs.asdict(old), msgspec.structs.asdict(new)
    skip = {"placed_at"} if new.placed_at is None else set()
    return sorted(
        k for k in msgspec.structs.asdict(new) if k not in skip and before.get(k) != after[k]
    )
