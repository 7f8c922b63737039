"""Console sessions on the server: one row per sign-in, read on every console request
together with its key (so a revoked key or an ended session is refused at once)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.store.console_tables import console_sessions
from hub.store.tables import api_keys


async def add(
    conn: AsyncConnection, session_id: str, key_id: str, *, now: datetime, until: datetime
) -> None:
    row = {"id": session_id, "key_id": key_id, "created_at": now, "expires_at": until}
    await conn.execute(insert(console_sessions).values(row))


async def live(conn: AsyncConnection, session_id: str, now: datetime) -> Row[Any] | None:
    """The key row of a session that is neither over nor ended, whose key is not revoked."""
    s = console_sessions.c
    query = (
        select(api_keys)
        .join(console_sessions, s.key_id == api_keys.c.id)
        .where(s.id == session_id, s.revoked_at.is_(None), s.expires_at > now)
        .where(api_keys.c.revoked_at.is_(None))
    )
    return (await conn.execute(query)).first()


async def end(conn: AsyncConnection, session_id: str, now: datetime) -> None:
    s = console_sessions.c
    await conn.execute(
        update(console_sessions)
        .where(s.id == session_id, s.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def end_for_key(conn: AsyncConnection, key_name: str, now: datetime) -> int:
    """End every session of the key named ``key_name``; how many were live."""
    s = console_sessions.c
    key_id = select(api_keys.c.id).where(api_keys.c.name == key_name).scalar_subquery()
    result = await conn.execute(
        update(console_sessions)
        .where(s.key_id == key_id, s.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(result.rowcount or 0)


async def prune(conn: AsyncConnection, before: datetime) -> None:
    """Forget sessions over before ``before``."""
    await conn.execute(delete(console_sessions).where(console_sessions.c.expires_at < before))
