"""API keys and their scopes.

A key is ``hub_`` plus 43 random URL-safe characters; only its SHA-256 is stored (a key has
256 bits of entropy, so a slow password hash would add cost and no safety). Scopes:

- ``admin``: everything, including jobs and keys.
- ``orders:read`` / ``orders:write``: read / create, change and read orders of any channel.
- ``stock:write``: post stock movements (receipts, adjustments, counts).
- ``fulfilment:write``: confirm shipments of the merchant's own warehouse.
- ``channel:<code>``: a channel's own key: create and read orders of that channel only.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Iterable

import msgspec

from hub.clock import utcnow
from hub.domain import ids
from hub.errors import Conflict, NotFound, Unprocessable
from hub.store import keys as key_store
from hub.store.database import Database

FIXED_SCOPES = frozenset(
    {"admin", "orders:read", "orders:write", "stock:write", "catalog:write", "fulfilment:write"}
)
_CHANNEL_SCOPE = re.compile(r"^channel:[a-z0-9][a-z0-9_-]{0,63}$")


class Principal(msgspec.Struct, frozen=True):
    """Who is calling: the key's name and what it may do."""

    key_id: str
    name: str
    scopes: frozenset[str]

    @property
    def bound_channels(self) -> frozenset[str]:
        return frozenset(s.split(":", 1)[1] for s in self.scopes if s.startswith("channel:"))

    def allows(self, scope: str) -> bool:
        if "admin" in self.scopes or scope in self.scopes:
            return True
        if scope == "orders:read" and "orders:write" in self.scopes:
            return True  # a key that may change orders may read them (see readable_channels)
        return scope in ("orders:read", "orders:write") and bool(self.bound_channels)

    def may_write_channel(self, channel: str) -> bool:
        return bool({"admin", "orders:write"} & self.scopes) or channel in self.bound_channels

    def readable_channels(self) -> frozenset[str] | None:
        """None when every channel is readable."""
        if {"admin", "orders:read", "orders:write"} & self.scopes:
            return None
        return self.bound_channels

    @property
    def actor(self) -> str:
        return f"key:{self.name}"


class KeyInfo(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: str
    prefix: str
    scopes: list[str]
    created_at: str
    revoked: bool


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def check_scopes(scopes: Iterable[str]) -> list[str]:
    scopes = sorted(set(scopes))
    if not scopes:
        raise Unprocessable("a key needs at least one scope")
    for scope in scopes:
        if scope not in FIXED_SCOPES and not _CHANNEL_SCOPE.match(scope):
            raise Unprocessable(
                f"unknown scope {scope!r}; use {', '.join(sorted(FIXED_SCOPES))} or channel:<code>"
            )
    return scopes


async def create(db: Database, name: str, scopes: Iterable[str]) -> tuple[KeyInfo, str]:
    """Create a key; the plain key is returned once and never stored."""
    checked = check_scopes(scopes)
    secret = secrets.token_urlsafe(32)
    plain = f"hub_{secret}"
    now = utcnow()
    row = {
        "id": ids.new_id(),
        "name": name,
        "prefix": plain[:12],
        "key_hash": digest(plain),
        "scopes": msgspec.json.encode(checked).decode(),
        "created_at": now,
        "revoked_at": None,
    }
    async with db.write() as conn:
        if await key_store.by_name(conn, name):
            raise Conflict(f"a key named {name!r} exists already")
        await key_store.add(conn, row)
    info = KeyInfo(
        id=row["id"],
        name=name,
        prefix=row["prefix"],
        scopes=checked,
        created_at=now.isoformat(),
        revoked=False,
    )
    return info, plain


async def list_keys(db: Database) -> list[KeyInfo]:
    async with db.read() as conn:
        rows = await key_store.all_keys(conn)
    return [
        KeyInfo(
            id=r.id,
            name=r.name,
            prefix=r.prefix,
            scopes=msgspec.json.decode(r.scopes),
            created_at=r.created_at.isoformat(),
            revoked=r.revoked_at is not None,
        )
        for r in rows
    ]


async def revoke(db: Database, name: str) -> None:
    async with db.write() as conn:
        if not await key_store.revoke(conn, name, now=utcnow()):
            raise NotFound(f"no active key named {name!r}")


class KeyRing:
    """Resolves bearer keys to principals, caching each answer for a few seconds.

    The cache keeps the database off the hot path of every request; a revoked key stops
    working within ``ttl`` seconds in every process.
    """

    def __init__(self, db: Database, *, ttl: float) -> None:
        self.db = db
        self.ttl = ttl
        self._cache: dict[str, tuple[Principal | None, float]] = {}

    async def resolve(self, key: str) -> Principal | None:
        h = digest(key)
        hit = self._cache.get(h)
        now = time.monotonic()
        if hit is not None and hit[1] > now:
            return hit[0]
        async with self.db.read() as conn:
            row = await key_store.by_hash(conn, h)
        principal = None
        if row is not None and row.revoked_at is None and secrets.compare_digest(row.key_hash, h):
            principal = Principal(row.id, row.name, frozenset(msgspec.json.decode(row.scopes)))
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[h] = (principal, now + self.ttl)
        return principal
