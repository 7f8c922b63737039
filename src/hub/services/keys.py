"""API keys: made, listed, revoked, expired, and resolved to a Principal on each request.

A key is ``hub_`` plus 43 random URL-safe characters; only its SHA-256 is stored (a key has
256 bits of entropy, so a slow password hash would add cost and no safety). The plain key
is shown once, when it is made, and never logged. A key may expire (``expires_at``): from
that moment it is refused with 401 saying so. What each scope may do is in
``hub.domain.scopes``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import msgspec

from hub.clock import utcnow
from hub.domain import ids
from hub.domain.scopes import FIXED_SCOPES, Principal, ScopeError
from hub.domain.scopes import check_scopes as _check_scopes
from hub.errors import Conflict, NotFound, Unprocessable
from hub.store import console_sessions as session_store
from hub.store import keys as key_store
from hub.store.database import Database

__all__ = [
    "FIXED_SCOPES",
    "KeyInfo",
    "KeyRefused",
    "KeyRing",
    "Principal",
    "check_scopes",
    "create",
    "digest",
    "expiry_from",
    "list_keys",
    "revoke",
]

_DURATION = re.compile(r"^([1-9][0-9]{0,5})([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class KeyRefused(Exception):
    """A bearer key that does not open the API; the message says why (never the key)."""


class KeyInfo(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: str
    prefix: str
    scopes: list[str]
    created_at: str
    revoked: bool
    expires_at: str | None = None
    expired: bool = False


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def check_scopes(scopes: Iterable[str]) -> list[str]:
    try:
        return _check_scopes(scopes)
    except ScopeError as exc:
        raise Unprocessable(str(exc)) from None


def expiry_from(text: str, now: datetime) -> datetime:
    """When a key made ``now`` expires: a duration (``90d``, ``12h``, ``30m``, ``2w``), a
    date (``2026-01-31``: 00:00 UTC that day) or a date-time with a UTC offset. It must lie
    ahead of ``now``."""
    text = text.strip()
    duration = _DURATION.match(text)
    try:
        if duration:
            at = now + timedelta(**{_UNITS[duration.group(2)]: int(duration.group(1))})
        elif len(text) == 10:
            at = datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        else:
            at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        raise Unprocessable(
            f"expires {text!r}: give a duration such as 90d, 12h, 30m or 2w, a date "
            "(2026-01-31) or a date-time with a UTC offset (2026-01-31T18:00:00Z)"
        ) from None
    if at.tzinfo is None:
        raise Unprocessable(f"expires {text!r} needs a UTC offset, e.g. {text}Z")
    if at <= now:
        raise Unprocessable(f"expires {text!r} is not in the future")
    return at.astimezone(UTC)


def _info(row: Any, now: datetime) -> KeyInfo:
    """A stored key (a row, or anything with its columns as attributes) as it is shown."""
    return KeyInfo(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        scopes=msgspec.json.decode(row.scopes),
        created_at=row.created_at.isoformat(),
        revoked=row.revoked_at is not None,
        expires_at=row.expires_at.isoformat() if row.expires_at else None,
        expired=row.expires_at is not None and row.expires_at <= now,
    )


async def create(
    db: Database, name: str, scopes: Iterable[str], *, expires_at: datetime | None = None
) -> tuple[KeyInfo, str]:
    """Create a key; the plain key is returned once and never stored."""
    checked = check_scopes(scopes)
    now = utcnow()
    if expires_at is not None and (expires_at.tzinfo is None or expires_at <= now):
        raise Unprocessable("a key's expiry must be a time ahead, with a UTC offset")
    plain = f"hub_{secrets.token_urlsafe(32)}"
    row = {
        "id": ids.new_id(),
        "name": name,
        "prefix": plain[:12],
        "key_hash": digest(plain),
        "scopes": msgspec.json.encode(checked).decode(),
        "created_at": now,
        "revoked_at": None,
        "expires_at": expires_at,
    }
    async with db.write() as conn:
        if await key_store.by_name(conn, name):
            raise Conflict(f"a key named {name!r} exists already")
        await key_store.add(conn, row)
    return _info(SimpleNamespace(**row), now), plain


async def list_keys(db: Database) -> list[KeyInfo]:
    async with db.read() as conn:
        rows = await key_store.all_keys(conn)
    now = utcnow()
    return [_info(r, now) for r in rows]


async def revoke(db: Database, name: str) -> None:
    """Revoke the key, and end its console sessions in the same transaction."""
    now = utcnow()
    async with db.write() as conn:
        if not await key_store.revoke(conn, name, now=now):
            raise NotFound(f"no active key named {name!r}")
        await session_store.end_for_key(conn, name, now)


class KeyRing:
    """Resolves bearer keys to principals, caching each answer for a few seconds.

    The cache keeps the database off the hot path of every request; a revoked key stops
    working within ``ttl`` seconds in every process. Expiry is checked on every request
    against the clock (the cached principal carries ``expires_at``), so an expired key is
    refused from the moment it expires, in every process.
    """

    def __init__(self, db: Database, *, ttl: float) -> None:
        self.db = db
        self.ttl = ttl
        self._cache: dict[str, tuple[Principal | None, float]] = {}

    async def resolve(self, key: str) -> Principal | None:
        """The key's principal (even when expired), or None when unknown or revoked."""
        return await self.resolve_digest(digest(key))

    async def resolve_digest(self, h: str) -> Principal | None:
        """The principal of the key whose SHA-256 is ``h`` (the console's session keeps the
        digest, never the key)."""
        hit = self._cache.get(h)
        now = time.monotonic()
        if hit is not None and hit[1] > now:
            return hit[0]
        async with self.db.read() as conn:
            row = await key_store.by_hash(conn, h)
        principal = None
        if row is not None and row.revoked_at is None and secrets.compare_digest(row.key_hash, h):
            scopes = frozenset(msgspec.json.decode(row.scopes))
            principal = Principal(row.id, row.name, scopes, row.expires_at)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[h] = (principal, now + self.ttl)
        return principal

    async def authenticate(self, key: str) -> Principal:
        """The principal of a key that opens the API now; KeyRefused says why not."""
        return await self.authenticate_digest(digest(key))

    async def authenticate_digest(self, h: str) -> Principal:
        """As ``authenticate``, for the key whose SHA-256 is ``h``."""
        principal = await self.resolve_digest(h)
        if principal is None:
            raise KeyRefused("the API key is unknown or revoked")
        if principal.expired(utcnow()):
            at = principal.expires_at.isoformat() if principal.expires_at else "?"
            raise KeyRefused(
                f"the API key {principal.name!r} expired at {at}; an admin can make a new "
                "one with 'hub keys create'"
            )
        return principal
