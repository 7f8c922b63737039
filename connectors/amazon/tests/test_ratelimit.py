"""The token buckets: burst, then one token per 1/rate seconds; long waits handed back."""

from __future__ import annotations

import pytest

from connectors.amazon.ratelimit import RateLimiter
from connectors.amazon.settings import DEFAULT_RATE_LIMITS, RateLimit, parse_settings
from connectors.amazon.tests.conftest import FakeTime
from hub.sdk import FatalError, RetriableError


async def test_a_burst_then_one_token_per_interval(fake_time: FakeTime) -> None:
    limiter = RateLimiter(fake_time.clock, fake_time.sleep)
    limit = RateLimit(rate=0.5, burst=2)
    for _ in range(4):
        await limiter.acquire("amazon-us", "getOrderItems", limit, max_wait=5)
    assert fake_time.slept == [2.0, 2.0]


async def test_buckets_are_per_connection_and_operation(fake_time: FakeTime) -> None:
    limiter = RateLimiter(fake_time.clock, fake_time.sleep)
    limit = RateLimit(rate=0.5, burst=1)
    for key in [("a", "getOrders"), ("b", "getOrders"), ("a", "getOrderItems")]:
        await limiter.acquire(*key, limit, max_wait=5)
    assert fake_time.slept == []


async def test_tokens_refill_while_idle(fake_time: FakeTime) -> None:
    limiter = RateLimiter(fake_time.clock, fake_time.sleep)
    limit = RateLimit(rate=1, burst=1)
    await limiter.acquire("a", "getOrders", limit, max_wait=5)
    fake_time.now += 0.75
    await limiter.acquire("a", "getOrders", limit, max_wait=5)
    assert fake_time.slept == [pytest.approx(0.25)]


async def test_get_orders_default_plan_hands_back_a_long_wait(fake_time: FakeTime) -> None:
    limiter = RateLimiter(fake_time.clock, fake_time.sleep)
    limit = DEFAULT_RATE_LIMITS["getOrders"]
    for _ in range(20):
        await limiter.acquire("a", "getOrders", limit, max_wait=30)
    with pytest.raises(RetriableError) as raised:
        await limiter.acquire("a", "getOrders", limit, max_wait=30)
    assert raised.value.retry_after == pytest.approx(1 / 0.0167)
    assert fake_time.slept == []
    fake_time.now += 60  # the refused call took no token: one is free a minute on
    await limiter.acquire("a", "getOrders", limit, max_wait=30)
    assert fake_time.slept == []


async def test_the_rate_amazon_reports_is_followed(fake_time: FakeTime) -> None:
    limiter = RateLimiter(fake_time.clock, fake_time.sleep)
    limit = RateLimit(rate=0.5, burst=1)
    await limiter.acquire("a", "getOrderItems", limit, max_wait=5)
    limiter.observe("a", "getOrderItems", "2.0")
    limiter.observe("a", "getOrderItems", "not a number")
    await limiter.acquire("a", "getOrderItems", limit, max_wait=5)
    assert fake_time.slept == [0.5]


def test_settings_override_the_default_plans() -> None:
    settings = parse_settings({"rate_limits": {"getOrders": {"rate": 1, "burst": 5}}})
    assert settings.rate_limit("getOrders") == RateLimit(rate=1.0, burst=5)
    assert settings.rate_limit("getOrderItems") == RateLimit(rate=0.5, burst=30)
    with pytest.raises(FatalError, match="rate_limits"):
        parse_settings({"rate_limits": {"getOrders": {"rate": "fast"}}})


class Shared:
    """The hub's limits of a connection as the connector sees them (``hub.sdk.RateLimits``)."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, float, float, float]] = []

    async def acquire(self, name: str, rate: float, burst: float, *, max_wait: float) -> None:
        self.asked.append((name, rate, burst, max_wait))


async def test_the_hubs_shared_limits_are_used_with_the_rate_amazon_reports(
    fake_time: FakeTime,
) -> None:
    limiter = RateLimiter(fake_time.clock, fake_time.sleep)
    shared = Shared()
    limit = RateLimit(rate=0.5, burst=2)
    for _ in range(3):  # no bucket of this process: three calls, no wait here
        await limiter.acquire("a", "getOrderItems", limit, max_wait=5, shared=shared)
    limiter.observe("a", "getOrderItems", "2.0")
    await limiter.acquire("a", "getOrderItems", limit, max_wait=5, shared=shared)
    assert fake_time.slept == []
    assert shared.asked == [("getOrderItems", 0.5, 2, 5)] * 3 + [("getOrderItems", 2.0, 2, 5)]
