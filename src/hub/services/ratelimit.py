"""Rate limits shared by every worker: the token bucket's state lives in the database.

``hub.infra.ratelimit.TokenBucket`` is the arithmetic; ``SharedBucket`` keeps its state in
a ``rate_buckets`` row (one per limit: a connection, or a connection and one of its
partner's operations) and takes a token in one write transaction that reads the row for
update, refills it by the time passed, takes and writes it back. N worker processes (on
one machine or several) therefore share one rate, not N times it. Time is the wall clock
(``time.time``, seconds since the epoch), the one clock every process shares.

Each take is one small write transaction; a partner call costs far more, so the bucket is
never the bottleneck of a call that it meters.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from hub.sdk.errors import NotSent
from hub.store import partner_state
from hub.store.database import Database

Clock = Callable[[], float]


class SharedBucket:
    """``rate`` tokens a second, up to ``burst`` at once, for everyone using ``key``."""

    def __init__(
        self, db: Database, key: str, rate: float, burst: float, *, clock: Clock = time.time
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be greater than 0")
        self.db = db
        self.key = key
        self.rate = rate
        self.burst = max(1.0, burst)
        self._clock = clock

    async def _take(self, *, reserve: bool) -> float:
        return await self.db.run_write(
            lambda conn: partner_state.take_token(
                conn,
                self.key,
                rate=self.rate,
                burst=self.burst,
                clock=self._clock,
                reserve=reserve,
            )
        )

    async def try_take(self) -> float:
        """Take a token and return 0, or return the seconds until one is free (none taken)."""
        return await self._take(reserve=False)

    async def take(self) -> float:
        """Reserve a token, free or not; the seconds the caller must wait before using it."""
        return await self._take(reserve=True)

    async def acquire(self, *, max_wait: float) -> None:
        """Wait for a token, if that takes at most ``max_wait`` seconds; else take none and
        raise ``NotSent`` (the job runs again when one is free, its attempt given back)."""
        wait = await self.try_take()
        if wait == 0:
            return
        if wait > max_wait:
            raise NotSent(f"rate limit {self.key}: next call in {wait:.2f} s", retry_after=wait)
        wait = await self.take()
        if wait > 0:
            await asyncio.sleep(wait)


class SharedLimits:
    """``hub.sdk.http.RateLimits`` for one connection: a ``SharedBucket`` per name."""

    def __init__(self, db: Database, connection: str) -> None:
        self.db = db
        self.connection = connection

    async def acquire(self, name: str, rate: float, burst: float, *, max_wait: float) -> None:
        bucket = SharedBucket(self.db, f"{self.connection}:{name}", rate, burst)
        await bucket.acquire(max_wait=max_wait)
