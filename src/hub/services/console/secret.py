"""The secret the console signs its session cookies and CSRF tokens with: ``HUB_CONSOLE_SECRET``
when set, else one made at random the first time and kept in the database, so every
process (and every restart) signs alike."""

from __future__ import annotations

import secrets

from hub.clock import utcnow
from hub.store import console as store
from hub.store.database import Database

NAME = "session"


async def signing_secret(db: Database, configured: str | None) -> bytes:
    if configured:
        return configured.encode()
    async with db.read() as conn:
        found = await store.secret(conn, NAME)
    if found is None:
        async with db.write() as conn:
            await store.keep_secret(conn, NAME, secrets.token_urlsafe(48), utcnow())
        async with db.read() as conn:
            found = await store.secret(conn, NAME)
    assert found is not None
    return found.encode()
