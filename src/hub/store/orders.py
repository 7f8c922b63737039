"""Orders, their lines and their append-only timeline, and the order-number counter.

The functions on the ingest path take a synchronous ``Connection`` (they run inside
``Database.run_write``); the others take an ``AsyncConnection``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import Connection, Row, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.domain import payments
from hub.domain.lifecycle import EventKind, OrderStatus, require_move
from hub.domain.order import Order, OrderData
from hub.store.bulk import insert_rows
from hub.store.event_taps import write_events
from hub.store.kept import decode_kept
from hub.store.order_tally import count_moves, count_new, count_replaced
from hub.store.tables import order_events, order_lines, orders

_encoder = msgspec.json.Encoder()


class Event(msgspec.Struct, frozen=True, kw_only=True):
    """One entry of an order's timeline: who or what, when, and what changed."""

    at: datetime
    actor: str
    kind: EventKind
    from_status: str | None = None
    to_status: str | None = None
    detail: dict[str, Any] | None = None


def event_row(order_id: str, event: Event) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "at": event.at,
        "actor": event.actor,
        "kind": EventKind(event.kind).value,  # an unknown kind is an error, not a new word
        "from_status": event.from_status,
        "to_status": event.to_status,
        "detail": msgspec.json.encode(event.detail).decode() if event.detail else None,
    }


def content(row: Row[Any]) -> OrderData:
    """The channel-supplied part of a stored order (with any operator edits), payment as
    reported."""
    return decode_kept(row.doc, OrderData)


def edits_of(row: Row[Any]) -> dict[str, Any]:
    """The fields an operator changed -> the value the channel had sent for each."""
    return msgspec.json.decode(row.edits) if row.edits else {}


def summary(row: Row[Any]) -> payments.Summary:
    """The order's payment figures, as its row keeps them."""
    return payments.figures(
        row.payment_status,
        row.paid_authorized,
        row.paid_captured,
        row.paid_refunded,
        row.total,
        cancelled=row.status == OrderStatus.CANCELLED,
    )


def to_order(row: Row[Any]) -> Order:
    """The order as the hub holds it: its payment the figures of its transactions."""
    fields = msgspec.structs.asdict(content(row)) | {"payment": summary(row).payment()}
    return Order(
        **fields,
        id=row.id,
        number=row.number,
        public_ref=row.public_ref,
        status=row.status,
        received_at=row.received_at,
        updated_at=row.updated_at,
    )


def insert_many(
    conn: Connection,
    order_rows: Sequence[dict[str, Any]],
    line_rows: Sequence[dict[str, Any]],
    event_rows: Sequence[dict[str, Any]],
) -> None:
    if order_rows:
        insert_rows(conn, orders, order_rows)
        insert_rows(conn, order_lines, line_rows)
        count_new(conn, order_rows)
    if event_rows:
        write_events(conn, event_rows)


def add_events_sync(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        write_events(conn, rows)


async def add_events(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    await conn.run_sync(add_events_sync, rows)


async def get_row(conn: AsyncConnection, order_id: str) -> Row[Any] | None:
    return (await conn.execute(select(orders).where(orders.c.id == order_id))).first()


async def get(conn: AsyncConnection, order_id: str) -> Order | None:
    row = await get_row(conn, order_id)
    return to_order(row) if row else None


async def timeline(conn: AsyncConnection, order_id: str) -> list[Event]:
    rows = await conn.execute(
        select(order_events).where(order_events.c.order_id == order_id).order_by(order_events.c.id)
    )
    return [
        Event(
            at=r.at,
            actor=r.actor,
            kind=r.kind,
            from_status=r.from_status,
            to_status=r.to_status,
            detail=msgspec.json.decode(r.detail) if r.detail else None,
        )
        for r in rows
    ]


async def list_page(
    conn: AsyncConnection,
    *,
    channels: Sequence[str] | None,
    status: str | None,
    placed_from: datetime | None,
    placed_to: datetime | None,
    before_id: str | None,
    limit: int,
) -> list[Order]:
    """Newest first; ``before_id`` is the cursor (the last id of the previous page)."""
    query = select(orders).order_by(orders.c.id.desc()).limit(limit)
    if channels is not None:
        query = query.where(orders.c.channel.in_(channels))
    if status:
        query = query.where(orders.c.status == status)
    if placed_from:
        query = query.where(orders.c.placed_at >= placed_from)
    if placed_to:
        query = query.where(orders.c.placed_at < placed_to)
    if before_id:
        query = query.where(orders.c.id < before_id)
    return [to_order(r) for r in await conn.execute(query)]


async def move(
    conn: AsyncConnection,
    order_id: str,
    *,
    expected_version: int,
    from_status: str,
    status: str,
    held_from: str | None,
    now: datetime,
) -> bool:
    """Change status if nobody changed the order since it was read (optimistic check).
    A move the order table forbids raises ``TransitionRefused``."""
    require_move(OrderStatus(from_status), OrderStatus(status))
    result = await conn.execute(
        update(orders)
        .where(
            orders.c.id == order_id,
            orders.c.version == expected_version,
            orders.c.status == from_status,
        )
        .values(
            status=status,
            held_from=held_from,
            updated_at=now,
            version=expected_version + 1,
            **_leaving_hold(from_status),
        )
        .returning(orders.c.channel)
    )
    moved = list(result.scalars())
    if moved:
        await conn.run_sync(count_moves, moved, from_status, status)
    return bool(moved)


async def replace_content(
    conn: AsyncConnection,
    order_id: str,
    *,
    expected_version: int,
    data: OrderData,
    search: str,
    edits: dict[str, Any],
    now: datetime,
) -> bool:
    """Store an operator's change to an order's content, if nobody changed the order since
    it was read (its ``version``); False if somebody did."""
    result = await conn.execute(
        update(orders)
        .where(orders.c.id == order_id, orders.c.version == expected_version)
        .values(
            doc=msgspec.json.encode(data),
            search=search,
            edits=msgspec.json.encode(edits).decode() if edits else None,
            updated_at=now,
            version=expected_version + 1,
        )
    )
    return bool(result.rowcount)


def move_many(
    conn: Connection,
    ids: Sequence[str],
    *,
    from_status: str,
    to_status: str,
    now: datetime,
    held_from: str | None = None,
) -> list[str]:
    """Move every order in ``ids`` that is still ``from_status``; returns those moved.
    ``held_from``: the status a hold returns to when released (with ``to_status`` on_hold).

    A move the order table forbids raises ``TransitionRefused`` and writes nothing. Every
    row the statement moves is ``from_status`` (its WHERE), so one check covers the set."""
    require_move(OrderStatus(from_status), OrderStatus(to_status))
    if not ids:
        return []
    result = conn.execute(
        update(orders)
        .where(orders.c.id.in_(ids), orders.c.status == from_status)
        .values(
            status=to_status,
            held_from=held_from,
            updated_at=now,
            version=orders.c.version + 1,
            **_leaving_hold(from_status),
        )
        .returning(orders.c.id, orders.c.channel)
    )
    moved = list(result)
    count_moves(conn, [r.channel for r in moved], from_status, to_status)
    return [r.id for r in moved]


def _leaving_hold(from_status: str) -> dict[str, Any]:
    """An order leaving a hold no longer waits for its payment (whoever released it)."""
    return {"awaiting_payment": None} if from_status == OrderStatus.ON_HOLD else {}


def flag_attention(
    conn: Connection, order_id: str, reason: str, *, actor: str, now: datetime, kind: EventKind
) -> None:
    """An operator must look at the order: ``reason`` becomes its ``attention`` and the
    timeline gets a ``kind`` entry with the reason."""
    reason = reason[:2000]
    conn.execute(
        update(orders).where(orders.c.id == order_id).values(attention=reason, updated_at=now)
    )
    add_events_sync(
        conn,
        [event_row(order_id, Event(at=now, actor=actor, kind=kind, detail={"reason": reason}))],
    )


def add_note(
    conn: Connection,
    order_id: str,
    kind: EventKind,
    detail: dict[str, Any],
    *,
    actor: str,
    now: datetime,
) -> None:
    """A timeline entry that is not a status change."""
    add_events_sync(
        conn, [event_row(order_id, Event(at=now, actor=actor, kind=kind, detail=detail))]
    )


def status_of(conn: Connection, order_id: str) -> OrderStatus:
    return OrderStatus(
        conn.execute(select(orders.c.status).where(orders.c.id == order_id)).scalar_one()
    )


def link_kind(conn: Connection, order_id: str) -> str | None:
    """Why the order was made for another one (``reship``), or None for a channel's own."""
    query = select(orders.c.link_kind).where(orders.c.id == order_id)
    return conn.execute(query).scalar_one_or_none()


def load(conn: Connection, order_id: str) -> Order:
    """The order ``order_id``, which must exist (in the caller's transaction)."""
    return to_order(conn.execute(select(orders).where(orders.c.id == order_id)).one())


def by_public_ref(conn: Connection, public_ref: str) -> Order | None:
    row = conn.execute(select(orders).where(orders.c.public_ref == public_ref)).first()
    return to_order(row) if row is not None else None


def lock_in_status(conn: Connection, ids: Sequence[str], status: str) -> list[Order]:
    """The orders of ``ids`` that are ``status``, by id; locked until the transaction ends
    on PostgreSQL (SQLite has one writer)."""
    query = (
        select(orders)
        .where(orders.c.id.in_(list(ids)), orders.c.status == status)
        .order_by(orders.c.id)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(of=orders)
    return [to_order(r) for r in conn.execute(query)]


def lock_channels_in_status(conn: Connection, ids: Sequence[str], status: str) -> dict[str, str]:
    """Like ``lock_in_status``, for the hot path: only id -> channel of those still
    ``status``. Orders are locked before stock, as a cancellation takes them (no lock-order
    deadlock)."""
    query = (
        select(orders.c.id, orders.c.channel)
        .where(orders.c.id.in_(list(ids)), orders.c.status == status)
        .order_by(orders.c.id)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return {r.id: r.channel for r in conn.execute(query)}


def replace_from_channel(
    conn: Connection,
    order_id: str,
    data: OrderData,
    digest: str,
    *,
    now: datetime,
    search: str,
    edits: dict[str, Any] | None,
) -> None:
    """A channel's changed version of an order: its document, figures and lines replaced;
    ``search`` is what ``q`` finds it by, ``edits`` the operator's edits it keeps."""
    was = conn.execute(select(orders.c.channel, orders.c.placed_at).where(orders.c.id == order_id))
    channel, placed_at = was.one()
    count_replaced(conn, channel, placed_at, data.placed_at or placed_at)
    conn.execute(
        update(orders)
        .where(orders.c.id == order_id)
        .values(
            doc=_encoder.encode(data),
            search=search,
            edits=msgspec.json.encode(edits).decode() if edits else None,
            content_hash=digest,
            total=data.totals.total,
            currency=data.currency,
            placed_at=data.placed_at,
            updated_at=now,
            version=orders.c.version + 1,
        )
    )
    conn.execute(delete(order_lines).where(order_lines.c.order_id == order_id))
    conn.execute(
        insert(order_lines),
        [
            {"order_id": order_id, "position": i, "sku": ln.sku, "quantity": ln.quantity}
            for i, ln in enumerate(data.lines)
        ],
    )
