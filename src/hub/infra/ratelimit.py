"""The token bucket, written once: ``rate`` calls a second on average, up to ``burst`` at once.

Shared by stock sync (one bucket per channel connection) and, through ``hub.sdk``, by
connectors that meter their own partner calls (Amazon: one per SP-API operation). The clock
is injectable (``time.monotonic`` by default), so tests move time by hand.

Two ways to use it:

- ``try_take()``: take a token if one is free now and return 0; otherwise take nothing and
  return the seconds until one is. For a caller that would rather go away and come back
  (a job put back on the queue) than wait.
- ``seconds_until_free()`` then ``take()``: ``take`` reserves a token even when none is
  free yet (the count goes below zero) and returns how long the caller must sleep before
  using it. Concurrent callers then queue in order, without a lock.

The state (``tokens``, ``stamp``) can be read and a bucket rebuilt from it (``restore``):
``hub.services.ratelimit`` keeps it in the database so that every worker shares one bucket.
"""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], float]


class TokenBucket:
    """``rate`` tokens a second refill a bucket of ``burst`` (at least 1); it starts full.

    ``rate`` may be changed while in use (a partner that reports the rate it applies).
    """

    def __init__(self, rate: float, burst: float, *, clock: Clock = time.monotonic) -> None:
        if rate <= 0:
            raise ValueError("rate must be greater than 0")
        self.rate = rate
        self.burst = max(1.0, burst)
        self._clock = clock
        self._tokens = self.burst
        self._stamp = clock()

    @classmethod
    def restore(
        cls, rate: float, burst: float, *, tokens: float, stamp: float, clock: Clock
    ) -> TokenBucket:
        """A bucket in a kept state: ``tokens`` at time ``stamp`` (of ``clock``)."""
        bucket = cls(rate, burst, clock=clock)
        bucket._tokens = min(bucket.burst, tokens)
        bucket._stamp = stamp
        return bucket

    @property
    def tokens(self) -> float:
        """Tokens at ``stamp`` (below 0 when some are reserved ahead)."""
        return self._tokens

    @property
    def stamp(self) -> float:
        """When ``tokens`` was last worked out (the clock's time)."""
        return self._stamp

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def seconds_until_free(self) -> float:
        """Seconds until a token is free (0: one is free now), counting reserved ones."""
        self._refill()
        return 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate

    def try_take(self) -> float:
        """Take a token and return 0, or return the seconds until one is free (none taken)."""
        wait = self.seconds_until_free()
        if wait == 0:
            self._tokens -= 1
        return wait

    def take(self) -> float:
        """Reserve a token, free or not, and return the seconds until it may be used."""
        wait = self.seconds_until_free()
        self._tokens -= 1
        return wait
