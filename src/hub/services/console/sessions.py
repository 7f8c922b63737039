"""Console sessions kept on the server: started at sign-in for a key, looked up on every
console request (with the key, so a revoked key's sessions stop at once), and ended by
sign-out or by revoking the key (``hub keys revoke`` ends them too, in its transaction).

The cookie carries only the session's random id, signed (``hub.console.session``): a copy
of it stops working the moment the session ends, wherever it was copied to."""

from __future__ import annotations

import secrets
from datetime import timedelta

import msgspec

from hub.clock import utcnow
from hub.domain.scopes import Principal
from hub.store import console_sessions as store
from hub.store.database import Database

#: ended or expired sessions are forgotten this long after they expire
KEEP = timedelta(days=7)


async def start(db: Database, key_id: str, lifetime_seconds: float) -> str:
    """A new session of key ``key_id``; its id (the cookie signs it)."""
    now = utcnow()
    session_id = secrets.token_urlsafe(32)
    async with db.write() as conn:
        await store.prune(conn, now - KEEP)
        until = now + timedelta(seconds=lifetime_seconds)
        await store.add(conn, session_id, key_id, now=now, until=until)
    return session_id


async def principal(db: Database, session_id: str) -> Principal | None:
    """Who a live session is signed in as, read now; None when it is over or ended, or its
    key is revoked or expired."""
    now = utcnow()
    async with db.read() as conn:
        row = await store.live(conn, session_id, now)
    if row is None:
        return None
    found = Principal(row.id, row.name, frozenset(msgspec.json.decode(row.scopes)), row.expires_at)
    return None if found.expired(now) else found


async def end(db: Database, session_id: str) -> None:
    async with db.write() as conn:
        await store.end(conn, session_id, utcnow())
