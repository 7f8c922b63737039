"""API keys, stored as SHA-256 hashes of high-entropy secrets (the plain key is never kept)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.store.tables import api_keys


async def add(conn: AsyncConnection, row: dict[str, Any]) -> None:
    await conn.execute(insert(api_keys), [row])


async def by_hash(conn: AsyncConnection, key_hash: str) -> Row[Any] | None:
    return (await conn.execute(select(api_keys).where(api_keys.c.key_hash == key_hash))).first()


async def by_name(conn: AsyncConnection, name: str) -> Row[Any] | None:
    return (await conn.execute(select(api_keys).where(api_keys.c.name == name))).first()


async def all_keys(conn: AsyncConnection) -> list[Row[Any]]:
    return list(await conn.execute(select(api_keys).order_by(api_keys.c.created_at)))


async def revoke(conn: AsyncConnection, name: str, *, now: datetime) -> bool:
    result = await conn.execute(
        update(api_keys)
        .where(api_keys.c.name == name, api_keys.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return bool(result.rowcount)
