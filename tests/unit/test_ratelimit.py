"""The one token bucket (hub.infra.ratelimit): a burst, then one token per 1/rate seconds."""

from __future__ import annotations

import pytest

from hub.infra.ratelimit import TokenBucket


class FakeClock:
    """Seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


def test_a_full_bucket_gives_its_burst_at_once_then_says_how_long_to_wait() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=2.0, burst=3, clock=clock)
    assert [bucket.try_take() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.try_take() == pytest.approx(0.5)
    assert bucket.seconds_until_free() == pytest.approx(0.5)  # nothing was taken


def test_tokens_refill_with_time_and_never_beyond_the_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=1.0, burst=2, clock=clock)
    bucket.try_take()
    bucket.try_take()
    clock.now += 0.25
    assert bucket.seconds_until_free() == pytest.approx(0.75)
    clock.now += 0.75
    assert bucket.try_take() == 0.0
    clock.now += 3600  # idle for an hour: still only a burst of 2
    assert [bucket.try_take() for _ in range(3)] == [0.0, 0.0, pytest.approx(1.0)]


def test_take_reserves_a_token_so_callers_queue_in_order() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=0.5, burst=1, clock=clock)
    assert bucket.take() == 0.0
    assert bucket.take() == pytest.approx(2.0)  # the next one, reserved
    assert bucket.take() == pytest.approx(4.0)  # and the one after it
    assert bucket.seconds_until_free() == pytest.approx(6.0)
    clock.now += 6.0
    assert bucket.try_take() == 0.0


def test_a_burst_below_one_is_one_and_the_rate_may_change() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=1.0, burst=0.2, clock=clock)
    assert bucket.burst == 1.0
    assert bucket.try_take() == 0.0
    bucket.rate = 4.0
    assert bucket.try_take() == pytest.approx(0.25)


def test_the_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="rate"):
        TokenBucket(rate=0, burst=1)
