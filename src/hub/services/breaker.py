"""Each partner connection's circuit breaker, shared by every worker through the database.

``BreakerGuard`` is what ``JobContext.partner_http(connection)`` hands ``PartnerHttp``: before
each request it reads the connection's breaker (``hub.domain.breaker``); while it is open the
call is not made (``NotSent``: the job waits until the pause ends, without losing an
attempt); once the pause is over one caller is let through as the probe. Each timeout or
connection failure is counted, each answer clears the count. ``health`` is what
``GET /connections`` shows.
"""

from __future__ import annotations

import random
from datetime import timedelta

from hub.clock import utcnow
from hub.config import Settings
from hub.domain.breaker import Breaker, BreakerPolicy, admit
from hub.sdk.errors import NotSent
from hub.store import partner_state
from hub.store.database import Database


def policy(settings: Settings) -> BreakerPolicy:
    return BreakerPolicy(
        failures=settings.breaker_failures,
        open_seconds=settings.breaker_open_seconds,
        max_open_seconds=max(settings.breaker_open_seconds, settings.breaker_max_open_seconds),
    )


def probe_lease(settings: Settings) -> timedelta:
    """How long the other callers wait for a probe before one of them tries instead."""
    return timedelta(seconds=settings.partner_timeout_seconds + settings.breaker_open_seconds)


class BreakerGuard:
    """The breaker of one connection, as ``PartnerHttp``'s guard (``hub.sdk.http.CallGuard``)."""

    def __init__(self, db: Database, settings: Settings, connection: str) -> None:
        self.db = db
        self.settings = settings
        self.connection = connection
        self._clean = False  # unknown until read: an answer then closes the breaker

    async def _read(self) -> Breaker | None:
        async with self.db.read() as conn:
            return await conn.run_sync(partner_state.breaker, self.connection)

    async def before(self) -> None:
        """Let the call out, or raise ``NotSent`` with the wait."""
        for _ in range(2):
            found = await self._read()
            self._clean = found is None or found.clean
            now = utcnow()
            decision = admit(found, now)
            if decision.action == "call":
                return
            if decision.action == "probe":
                lease = probe_lease(self.settings)
                if await self.db.run_write(
                    lambda conn, now=now, lease=lease: partner_state.take_probe(
                        conn, self.connection, now=now, lease=lease
                    )
                ):
                    self._clean = False
                    return
                continue  # another caller is the probe: read again
            raise self._paused(found, decision.wait_seconds)
        raise self._paused(found, probe_lease(self.settings).total_seconds())

    def _paused(self, found: Breaker | None, wait: float) -> NotSent:
        why = found.last_error if found is not None and found.last_error else "failures"
        return NotSent(
            f"connection {self.connection!r} is paused after {why}; next try in {wait:.0f} s",
            retry_after=wait + random.uniform(0.0, 1.0),  # not every waiting job at once
        )

    async def failed(self, error: str) -> None:
        """A timeout or a connection failure: counted, and the breaker may open."""
        rules = policy(self.settings)
        await self.db.run_write(
            lambda conn: partner_state.record_failure(
                conn, self.connection, now=utcnow(), error=error, policy=rules
            )
        )
        self._clean = False

    async def answered(self) -> None:
        """The partner answered: close the breaker, unless it is known to be clean."""
        if self._clean:
            return
        await self.db.run_write(
            lambda conn: partner_state.record_answer(conn, self.connection, now=utcnow())
        )
        self._clean = True


async def health(db: Database) -> dict[str, Breaker]:
    """Every connection's breaker that has ever counted a failure (the others are closed)."""
    async with db.read() as conn:
        return await conn.run_sync(partner_state.breakers)
