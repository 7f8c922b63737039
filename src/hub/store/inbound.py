"""Inbound messages: every partner payload as it arrived, kept until it became orders.

A message is ``received`` (waiting for its job), ``processed`` (its orders are in), or
``quarantined`` (it could not be mapped; ``reason`` says why, and a replay tries again).
Every reason it was quarantined for is also kept, oldest first (``inbound_reasons``): a
replay that fails for another reason does not hide the first one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import Connection, Row, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.store.paging import any_of, keyset, where_all
from hub.store.tables import inbound_messages, inbound_reasons

STATUSES = ("received", "processed", "quarantined")


class InboundMessage(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    connection: str
    source: str
    dedupe_key: str
    topic: str | None
    received_at: datetime
    updated_at: datetime
    status: str
    reason: str | None
    order_ids: list[str]


class QuarantineReason(msgspec.Struct, frozen=True, kw_only=True):
    at: datetime
    actor: str  # who mapped it: worker, cli, key:<name>
    reason: str


def _message(row: Row[Any]) -> InboundMessage:
    return InboundMessage(
        id=row.id,
        connection=row.connection,
        source=row.source,
        dedupe_key=row.dedupe_key,
        topic=row.topic,
        received_at=row.received_at,
        updated_at=row.updated_at,
        status=row.status,
        reason=row.reason,
        order_ids=msgspec.json.decode(row.order_ids) if row.order_ids else [],
    )


def exists_sync(conn: Connection, connection: str, dedupe_key: str) -> bool:
    found = conn.execute(
        select(inbound_messages.c.id).where(
            inbound_messages.c.connection == connection,
            inbound_messages.c.dedupe_key == dedupe_key,
        )
    ).first()
    return found is not None


def keep_sync(
    conn: Connection,
    *,
    message_id: str,
    connection: str,
    source: str,
    dedupe_key: str,
    topic: str | None,
    body: bytes,
    headers: str = "{}",
    now: datetime,
) -> bool:
    """Keep a raw message as ``received``, unless one with its (connection, dedupe key) is
    kept already: True when it was kept now. The key is cut to the column's 200 characters."""
    dedupe_key = dedupe_key[:200]
    if exists_sync(conn, connection, dedupe_key):
        return False
    row = {
        "id": message_id,
        "connection": connection,
        "source": source,
        "dedupe_key": dedupe_key,
        "topic": topic,
        "received_at": now,
        "updated_at": now,
        "status": "received",
        "reason": None,
        "order_ids": None,
        "headers": headers,
        "body": body,
    }
    conn.execute(insert(inbound_messages), [row])
    return True


def get_row_sync(conn: Connection, message_id: str) -> Row[Any] | None:
    return conn.execute(select(inbound_messages).where(inbound_messages.c.id == message_id)).first()


def mark_sync(
    conn: Connection,
    message_id: str,
    *,
    status: str,
    now: datetime,
    reason: str | None = None,
    order_ids: list[str] | None = None,
    actor: str = "worker",
) -> None:
    """Set a message's status; a quarantine's reason is also added to its history."""
    if status == "quarantined" and reason:
        conn.execute(
            insert(inbound_reasons),
            [{"message_id": message_id, "at": now, "actor": actor, "reason": reason}],
        )
    conn.execute(
        update(inbound_messages)
        .where(inbound_messages.c.id == message_id)
        .values(
            status=status,
            reason=reason,
            order_ids=msgspec.json.encode(order_ids).decode() if order_ids else None,
            updated_at=now,
        )
    )


async def get(conn: AsyncConnection, message_id: str) -> tuple[InboundMessage, bytes] | None:
    row = (
        await conn.execute(select(inbound_messages).where(inbound_messages.c.id == message_id))
    ).first()
    return (_message(row), row.body) if row else None


async def reasons(conn: AsyncConnection, message_id: str) -> list[QuarantineReason]:
    """Every reason the message was quarantined for, oldest first."""
    rows = await conn.execute(
        select(inbound_reasons)
        .where(inbound_reasons.c.message_id == message_id)
        .order_by(inbound_reasons.c.id)
    )
    return [QuarantineReason(at=r.at, actor=r.actor, reason=r.reason) for r in rows]


async def list_messages(
    conn: AsyncConnection,
    *,
    status: str | Sequence[str] | None,
    connection: str | Sequence[str] | None,
    after: str | None,
    limit: int,
) -> list[InboundMessage]:
    """Messages by id (oldest first) after ``after``; a list means any of its values."""
    c = inbound_messages.c
    query = where_all(
        select(inbound_messages), any_of(c.status, status), any_of(c.connection, connection)
    )
    key = None if after is None else [after]
    return [_message(r) for r in await conn.execute(keyset(query, [c.id], key, limit=limit))]
