"""The key cache: a revoked key is refused within the cache's TTL, on SQLite and PostgreSQL.

The API resolves a bearer key once per ``HUB_KEY_CACHE_SECONDS`` (10 s by default) per
process, not on every request; revoking a key therefore takes effect within that time.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from hub.services import keys as key_service
from hub.services.keys import KeyRefused, KeyRing
from hub.store.database import Database

TTL = 0.3


async def test_a_revoked_key_is_refused_within_the_ttl(db: Database) -> None:
    _, plain = await key_service.create(db, "till-9", ["orders:write"])
    ring = KeyRing(db, ttl=TTL)
    assert (await ring.authenticate(plain)).name == "till-9"
    await key_service.revoke(db, "till-9")
    revoked_at = time.monotonic()
    while True:
        started = time.monotonic()
        try:
            await ring.authenticate(plain)
        except KeyRefused:
            break
        # accepted from the cache: the answer was cached before the revocation, at most TTL ago
        assert started - revoked_at < TTL, "a revoked key was accepted past the cache's TTL"
        await asyncio.sleep(0.02)
    with pytest.raises(KeyRefused):  # and stays refused
        await ring.authenticate(plain)
