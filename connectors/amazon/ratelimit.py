"""Client-side rate limits, one token bucket per (connection, SP-API operation), as Amazon
meters them. The bucket is the hub's (``hub.sdk.TokenBucket``); this adds the per-operation
keying, Amazon's reported rate, and the wait a caller accepts.

A request reserves a token and sleeps until it is due, so concurrent callers queue in order
without a lock (and without binding to an event loop). A wait longer than the caller
accepts is not slept: it becomes ``RetriableError(retry_after=...)`` and the job runs later.

When the hub hands the call's ``PartnerHttp`` rate ``limits`` (its buckets in the database,
shared by every worker), those are used instead of the buckets of this process, so N
workers keep to Amazon's rate, not N times it; the rate Amazon reports is kept here and
passed on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from connectors.amazon.settings import RateLimit
from hub.sdk import Clock, RateLimits, RetriableError, TokenBucket

Sleep = Callable[[float], Awaitable[None]]

__all__ = ["Clock", "RateLimiter", "Sleep"]


class RateLimiter:
    """The buckets of every connection, made on first use."""

    def __init__(self, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self._clock = clock
        self._sleep = sleep
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._reported: dict[tuple[str, str], float] = {}  # the rate Amazon applies

    def bucket(self, connection: str, operation: str, limit: RateLimit) -> TokenBucket:
        key = (connection, operation)
        if key not in self._buckets:
            self._buckets[key] = TokenBucket(limit.rate, limit.burst, clock=self._clock)
        return self._buckets[key]

    async def acquire(
        self,
        connection: str,
        operation: str,
        limit: RateLimit,
        *,
        max_wait: float,
        shared: RateLimits | None = None,
    ) -> None:
        """Wait for a token of ``operation``; refuse a wait longer than ``max_wait``. With
        ``shared`` (the hub's limits of the connection) the token comes from there."""
        if shared is not None:
            rate = self._reported.get((connection, operation), limit.rate)
            await shared.acquire(operation, rate, limit.burst, max_wait=max_wait)
            return
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
        if not header:
            return
        try:
            rate = float(header)
        except ValueError:
            return
        if rate <= 0:
            return
        self._reported[(connection, operation)] = rate
        bucket = self._buckets.get((connection, operation))
        if bucket is not None:
            bucket.rate = rate
