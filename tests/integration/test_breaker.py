"""The circuit breaker in the database (hub.services.breaker): every worker counts into the
same one and obeys it; after its pause exactly one caller probes the partner."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import msgspec
import pytest
from sqlalchemy import update

from hub.clock import utcnow
from hub.config import Settings
from hub.domain.breaker import BreakerState
from hub.sdk import NotSent
from hub.services import breaker
from hub.services.breaker import BreakerGuard
from hub.store.database import Database
from hub.store.partner_tables import partner_breakers


async def test_failures_of_two_workers_add_up_and_a_probe_goes_out_alone(
    settings: Settings,
) -> None:
    rules = msgspec.structs.replace(settings, breaker_failures=3, breaker_open_seconds=30.0)
    one, two = Database(settings.database_url), Database(settings.database_url)
    try:
        a, b = BreakerGuard(one, rules, "wh"), BreakerGuard(two, rules, "wh")
        await a.before()
        await a.failed("POST /orders: timed out")
        await b.failed("POST /orders: timed out")
        await b.before()  # two in a row: still closed
        await a.failed("POST /orders: ConnectError")
        for guard in (a, b):
            with pytest.raises(NotSent) as paused:
                await guard.before()
            assert 29 <= (paused.value.retry_after or 0) <= 31
            assert "'wh' is paused after POST /orders: ConnectError" in str(paused.value)
        (health,) = (await breaker.health(one)).values()
        assert (health.state, health.failures, health.opened) == (BreakerState.OPEN, 3, 1)

        async with one.write() as conn:  # the pause is over
            await conn.execute(
                update(partner_breakers).values(open_until=utcnow() - timedelta(seconds=1))
            )
        guards = (a, b, BreakerGuard(one, rules, "wh"))
        outcomes = await asyncio.gather(*(g.before() for g in guards), return_exceptions=True)
        assert sum(o is None for o in outcomes) == 1, outcomes  # one probe
        assert all(isinstance(o, NotSent) for o in outcomes if o is not None)
        probe = guards[outcomes.index(None)]
        await probe.answered()
        await b.before()
        found = (await breaker.health(two))["wh"]
        assert (found.state, found.failures, found.open_until) == (BreakerState.CLOSED, 0, None)
        assert found.last_error == "POST /orders: ConnectError", "kept for the record"
    finally:
        await one.dispose()
        await two.dispose()


async def test_a_failed_probe_pauses_the_connection_twice_as_long(
    db: Database, settings: Settings
) -> None:
    rules = msgspec.structs.replace(settings, breaker_failures=1, breaker_open_seconds=10.0)
    guard = BreakerGuard(db, rules, "wh")
    await guard.failed("GET /x: timed out")
    async with db.write() as conn:
        await conn.execute(update(partner_breakers).values(open_until=utcnow()))
    await guard.before()  # the probe
    await guard.failed("GET /x: timed out")
    found = (await breaker.health(db))["wh"]
    assert (found.state, found.opened) == (BreakerState.OPEN, 2)
    assert found.open_until is not None
    assert 19 <= (found.open_until - utcnow()).total_seconds() <= 20.5


async def test_a_clean_connection_costs_no_write(db: Database, settings: Settings) -> None:
    guard = BreakerGuard(db, settings, "quiet")
    await guard.before()
    await guard.answered()
    assert await breaker.health(db) == {}
