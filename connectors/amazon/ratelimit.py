"""Client-side rate limits, one token bucket per (connection, SP-API operation), as Amazon
meters them. The bucket is the hub's (``hub.sdk.TokenBucket``); this adds the per-operation
keying, Amazon's reported rate, and the wait a caller accepts.

A request reserves a token and sleeps until it is due, so concurrent callers queue in order
without a lock (and without binding to an event loop). A wait longer than the caller
accepts is not slept: it becomes ``RetriableError(retry_after=...)`` and the job runs later.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from connectors.amazon.settings import RateLimit
from hub.sdk import Clock, RetriableError, TokenBucket

Sleep = Callable[[float], Awaitable[None]]

__all__ = ["Clock", "RateLimiter", "Sleep"]


class RateLimiter:
    """The buckets of every connection, made on first use."""

    def __init__(self, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self._clock = clock
        self._sleep = sleep
        self._buckets: dict[tuple[str, str], TokenBucket] = {}

    def bucket(self, connection: str, operation: str, limit: RateLimit) -> TokenBucket:
        key = (connection, operation)
        if key not in self._buckets:
            self._buckets[key] = TokenBucket(limit.rate, limit.burst, clock=self._clock)
        return self._buckets[key]

    async def acquire(
        self, connection: str, operation: str, limit: RateLimit, *, max_wait: float
    ) -> None:
        """Wait for a token of ``operation``; refuse a wait longer than ``max_wait``."""
        bucket = self.bucket(connection, operation, limit)
        wait = bucket.seconds_until_free()
        if wait > max_wait:
            raise RetriableError(
                f"amazon {operation}: rate limit, next request in {wait:.0f} s", retry_after=wait
            )
        wait = bucket.take()
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
