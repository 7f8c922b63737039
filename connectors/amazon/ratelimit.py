"""Client-side token buckets, one per (connection, SP-API operation), as Amazon meters them.

A request reserves a token and sleeps until it is due, so concurrent callers queue in order
without a lock (and without binding to an event loop). A wait longer than the caller
accepts is not slept: it becomes ``RetriableError(retry_after=...)`` and the job runs later.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from connectors.amazon.settings import RateLimit
from hub.sdk import RetriableError

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class TokenBucket:
    """``rate`` tokens a second up to ``burst``; starts full."""

    def __init__(self, limit: RateLimit, clock: Clock) -> None:
        self.rate = limit.rate
        self.burst = limit.burst
        self._clock = clock
        self._tokens = limit.burst
        self._stamp = clock()

    def wait_for_token(self) -> float:
        """Seconds until a token is free now (0: at once), counting earlier reservations."""
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        return 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate

    def take(self) -> None:
        self._tokens -= 1


class RateLimiter:
    """The buckets of every connection, made on first use."""

    def __init__(self, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self._clock = clock
        self._sleep = sleep
        self._buckets: dict[tuple[str, str], TokenBucket] = {}

    def bucket(self, connection: str, operation: str, limit: RateLimit) -> TokenBucket:
        key = (connection, operation)
        if key not in self._buckets:
            self._buckets[key] = TokenBucket(limit, self._clock)
        return self._buckets[key]

    async def acquire(
        self, connection: str, operation: str, limit: RateLimit, *, max_wait: float
    ) -> None:
        """Wait for a token of ``operation``; refuse a wait longer than ``max_wait``."""
        bucket = self.bucket(connection, operation, limit)
        wait = bucket.wait_for_token()
        if wait > max_wait:
            raise RetriableError(
                f"amazon {operation}: rate limit, next request in {wait:.0f} s", retry_after=wait
            )
        bucket.take()
        if wait > 0:
            await self._sleep(wait)

    def observe(self, connection: str, operation: str, header: str | None) -> None:
        """Follow Amazon's ``x-amzn-RateLimit-Limit`` (the rate it applied) when it sends one."""
        bucket = self._buckets.get((connection, operation))
        if bucket is None or not header:
            return
        try:
            rate = float(header)
        except ValueError:
            return
        if rate > 0:
            bucket.rate = rate
