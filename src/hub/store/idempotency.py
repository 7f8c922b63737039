"""Stored first responses for ``Idempotency-Key`` requests, replayed for the same key."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.store.bulk import insert_rows
from hub.store.tables import idempotency_keys


def find(conn: Connection, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Row[Any]]:
    keys = list(set(keys))
    if not keys:
        return {}
    rows = conn.execute(
        select(idempotency_keys).where(
            tuple_(idempotency_keys.c.scope, idempotency_keys.c.key).in_(keys)
        )
    )
    return {(r.scope, r.key): r for r in rows}


def insert_many(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        insert_rows(conn, idempotency_keys, rows)


async def purge(conn: AsyncConnection, *, before: datetime) -> int:
    result = await conn.execute(
        delete(idempotency_keys).where(idempotency_keys.c.created_at < before)
    )
    return result.rowcount or 0
