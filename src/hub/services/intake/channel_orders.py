"""Orders as channels report them: create once, update in place, follow channel cancellations.

The same (channel, external_id) is always one hub order. A later version from the channel
updates it while nothing has been released to a warehouse; after that the change is not
applied but flagged for an operator (``attention``). A channel cancellation cancels the
order while nothing has shipped, and is flagged for an operator once something has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import Connection, delete, insert, select, update

from hub.domain.lifecycle import EDITABLE, EventKind, OrderStatus, can_move
from hub.domain.order import OrderData, normalise
from hub.domain.order_edit import keep_edits
from hub.errors import Conflict
from hub.sdk.connector import ChannelOrder
from hub.services import stock
from hub.services.fulfilment.pos import consume_pos_sale
from hub.services.intake.accept import shortfall_text
from hub.services.intake.writer import IngestRequest, IngestResult, content_hash, write_batch
from hub.store import orders as order_store
from hub.store.order_queries import search_text
from hub.store.orders import Event, event_row
from hub.store.tables import order_lines, orders

_encoder = msgspec.json.Encoder()


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
    cancelled = False
    if reported.state == "cancelled":
        cancelled, flag = _cancel(conn, order_id, actor=actor, now=now)
        attention = flag or attention
    elif reported.state == "fulfilled":
        attention = _fulfilled(conn, order_id, actor=actor, now=now) or attention
    return Applied(order_id, created, updated, cancelled, attention)


def _fulfilled(conn: Connection, order_id: str, *, actor: str, now: datetime) -> str | None:
    """The channel fulfilled the order itself (a point-of-sale sale handed over at the till)."""
    row = conn.execute(
        select(orders.c.status, orders.c.version).where(orders.c.id == order_id)
    ).one()
    status = OrderStatus(row.status)
    if status == OrderStatus.RECEIVED:
        conn.execute(
            update(orders)
            .where(orders.c.id == order_id)
            .values(status=OrderStatus.DELIVERED, updated_at=now, version=row.version + 1)
        )
        order_store.add_events_sync(
            conn,
            [
                event_row(
                    order_id,
                    Event(
                        at=now,
                        actor=actor,
                        kind=EventKind.FULFILLED_ON_CHANNEL,
                        from_status=status,
                        to_status=OrderStatus.DELIVERED,
                    ),
                )
            ],
        )
        note = consume_pos_sale(conn, order_id, now=now)
        if note is not None:
            _flag(conn, order_id, note, actor=actor, now=now, kind=EventKind.STOCK_NOT_TAKEN)
        return note
    if status in (
        OrderStatus.PARTIALLY_SHIPPED,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
        OrderStatus.CLOSED,
    ):
        return None
    note = f"the channel reports the order fulfilled while the hub has it {status}"
    _flag(conn, order_id, note, actor=actor, now=now, kind=EventKind.FULFILLED_ON_CHANNEL)
    return note


def _update(
    conn: Connection, data: OrderData, digest: str, *, actor: str, now: datetime
) -> tuple[str, bool, str | None]:
    row = conn.execute(
        select(orders).where(
            orders.c.channel == data.channel, orders.c.external_id == data.external_id
        )
    ).one()
    old = order_store.to_order(row)
    edited = order_store.edits_of(row)
    data, edits, taken_back = keep_edits(data, order_store.content(row), edited)
    changed = _changed(old, data)
    status = OrderStatus(row.status)
    if status not in EDITABLE:
        note = f"the channel changed {', '.join(changed)} after the order was {status}"
        _flag(conn, row.id, note, actor=actor, now=now, kind=EventKind.UPDATE_REFUSED)
        return row.id, False, note
    data = msgspec.structs.replace(data, placed_at=data.placed_at or old.placed_at)
    conn.execute(
        update(orders)
        .where(orders.c.id == row.id)
        .values(
            doc=_encoder.encode(data),
            search=search_text(row.number, data),
            edits=msgspec.json.encode(edits).decode() if edits else None,
            content_hash=digest,
            total=data.totals.total,
            currency=data.currency,
            placed_at=data.placed_at,
            updated_at=now,
            version=orders.c.version + 1,
        )
    )
    conn.execute(delete(order_lines).where(order_lines.c.order_id == row.id))
    conn.execute(
        insert(order_lines),
        [
            {"order_id": row.id, "position": i, "sku": ln.sku, "quantity": ln.quantity}
            for i, ln in enumerate(data.lines)
        ],
    )
    order_store.add_events_sync(
        conn,
        [
            event_row(
                row.id,
                Event(
                    at=now,
                    actor=actor,
                    kind=EventKind.UPDATED,
                    detail=_edits_noted({"changed": changed}, edits, taken_back),
                ),
            )
        ],
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
    _flag(conn, order_id, note, actor=actor, now=now, kind=EventKind.STOCK_SHORT)
    return note


def _cancel(
    conn: Connection, order_id: str, *, actor: str, now: datetime
) -> tuple[bool, str | None]:
    row = conn.execute(
        select(orders.c.status, orders.c.version).where(orders.c.id == order_id)
    ).one()
    status = OrderStatus(row.status)
    if status == OrderStatus.CANCELLED:
        return False, None
    if can_move(status, OrderStatus.CANCELLED):
        conn.execute(
            update(orders)
            .where(orders.c.id == order_id)
            .values(
                status=OrderStatus.CANCELLED,
                held_from=None,
                updated_at=now,
                version=row.version + 1,
            )
        )
        order_store.add_events_sync(
            conn,
            [
                event_row(
                    order_id,
                    Event(
                        at=now,
                        actor=actor,
                        kind=EventKind.CANCEL,
                        from_status=status,
                        to_status=OrderStatus.CANCELLED,
                        detail={"reason": "cancelled on the channel"},
                    ),
                )
            ],
        )
        stock.release_order(conn, order_id, reason="order cancelled on the channel")
        return True, None
    note = f"the channel cancelled the order after it was {status}"
    _flag(conn, order_id, note, actor=actor, now=now, kind=EventKind.CANCEL_REFUSED)
    return False, note


def _flag(
    conn: Connection, order_id: str, note: str, *, actor: str, now: datetime, kind: EventKind
) -> None:
    conn.execute(
        update(orders).where(orders.c.id == order_id).values(attention=note, updated_at=now)
    )
    order_store.add_events_sync(
        conn, [event_row(order_id, Event(at=now, actor=actor, kind=kind, detail={"reason": note}))]
    )


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
