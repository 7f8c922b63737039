"""A circuit breaker per partner connection, as arithmetic: pure, no I/O.

A connection whose calls keep timing out (or failing to connect) is put aside, so its jobs
wait instead of holding workers, and the rest of the queue flows:

- ``closed``: calls go out. Each timeout or connection failure counts; any answer from the
  partner (even an error status) clears the count.
- ``open``: after ``failures`` in a row, no call goes out until ``open_until``; the pause
  doubles each time the breaker opens again without an answer in between (``open_seconds``
  up to ``max_open_seconds``).
- ``half_open``: the pause is over and one caller (the probe) has been let through, until
  ``open_until``; an answer closes the breaker, a failure opens it again for longer. A
  probe that never reports back (its worker died) is replaced once ``open_until`` passes.

``hub.store.partner_state`` keeps a ``Breaker`` per connection in the database, so every
worker obeys the same one and ``GET /connections`` shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True, slots=True)
class BreakerPolicy:
    failures: int = 3  # timeouts or connection failures in a row that open the breaker
    open_seconds: float = 30.0  # the first pause
    max_open_seconds: float = 600.0  # the longest pause

    def pause(self, opened: int) -> timedelta:
        """How long the breaker stays open the ``opened``-th time in a row."""
        seconds = self.open_seconds * 2.0 ** max(0, opened - 1)
        return timedelta(seconds=min(self.max_open_seconds, seconds))


@dataclass(frozen=True, slots=True)
class Breaker:
    state: BreakerState = BreakerState.CLOSED
    failures: int = 0
    opened: int = 0
    open_until: datetime | None = None
    last_error: str | None = None
    last_failure_at: datetime | None = None

    @property
    def clean(self) -> bool:
        """Closed with nothing counted: an answer changes nothing."""
        return self.state == BreakerState.CLOSED and self.failures == 0


@dataclass(frozen=True, slots=True)
class Admission:
    """What a caller may do now: ``call``, try to become the ``probe``, or ``wait``."""

    action: str
    wait_seconds: float = 0.0


def admit(breaker: Breaker | None, now: datetime) -> Admission:
    if breaker is None or breaker.state == BreakerState.CLOSED:
        return Admission("call")
    if breaker.open_until is not None and breaker.open_until > now:
        return Admission("wait", (breaker.open_until - now).total_seconds())
    return Admission("probe")


def failed(breaker: Breaker | None, now: datetime, error: str, policy: BreakerPolicy) -> Breaker:
    """A call timed out or could not connect."""
    b = breaker or Breaker()
    counted = replace(b, failures=b.failures + 1, last_error=error, last_failure_at=now)
    if b.state == BreakerState.OPEN and b.open_until is not None and b.open_until > now:
        return counted  # a call that went out before the breaker opened: already paused
    if b.state == BreakerState.HALF_OPEN or counted.failures >= policy.failures:
        opened = b.opened + 1
        return replace(
            counted,
            state=BreakerState.OPEN,
            opened=opened,
            open_until=now + policy.pause(opened),
        )
    return counted


def answered(breaker: Breaker | None) -> Breaker:
    """The partner answered: calls go out again (the last error is kept, for the record)."""
    b = breaker or Breaker()
    return replace(b, state=BreakerState.CLOSED, failures=0, opened=0, open_until=None)
