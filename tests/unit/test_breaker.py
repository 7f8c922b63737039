"""The circuit breaker's arithmetic (hub.domain.breaker): when it opens, for how long, and
who may call meanwhile."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub.domain.breaker import Breaker, BreakerPolicy, BreakerState, admit, answered, failed

NOW = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)
POLICY = BreakerPolicy(failures=3, open_seconds=30, max_open_seconds=120)


def test_it_opens_after_the_failures_in_a_row_and_an_answer_clears_the_count() -> None:
    b = failed(None, NOW, "POST /orders: timed out", POLICY)
    b = failed(b, NOW, "POST /orders: timed out", POLICY)
    assert (b.state, b.failures, admit(b, NOW).action) == (BreakerState.CLOSED, 2, "call")
    cleared = answered(b)
    assert (cleared.failures, cleared.last_error) == (0, "POST /orders: timed out")
    b = failed(failed(failed(cleared, NOW, "x", POLICY), NOW, "x", POLICY), NOW, "y", POLICY)
    assert (b.state, b.opened, b.open_until) == (BreakerState.OPEN, 1, NOW + timedelta(seconds=30))
    assert admit(b, NOW + timedelta(seconds=10)).action == "wait"
    assert admit(b, NOW + timedelta(seconds=10)).wait_seconds == 20
    assert admit(b, NOW + timedelta(seconds=30)).action == "probe"


def test_a_failed_probe_opens_it_again_for_twice_as_long_up_to_the_most() -> None:
    b = Breaker(state=BreakerState.OPEN, failures=3, opened=1, open_until=NOW)
    half = Breaker(state=BreakerState.HALF_OPEN, failures=3, opened=1, open_until=NOW)
    again = failed(half, NOW, "timed out", POLICY)
    assert (again.state, again.opened, again.open_until) == (
        BreakerState.OPEN,
        2,
        NOW + timedelta(seconds=60),
    )
    for _ in range(5):
        again = failed(
            Breaker(BreakerState.HALF_OPEN, 3, again.opened, NOW), NOW, "timed out", POLICY
        )
    assert again.open_until == NOW + timedelta(seconds=120), "capped"
    assert answered(b) == Breaker(BreakerState.CLOSED, 0, 0, None)


def test_a_late_failure_of_a_call_made_before_it_opened_does_not_lengthen_the_pause() -> None:
    b = Breaker(
        state=BreakerState.OPEN, failures=3, opened=1, open_until=NOW + timedelta(seconds=30)
    )
    late = failed(b, NOW, "timed out", POLICY)
    assert (late.failures, late.opened, late.open_until) == (4, 1, b.open_until)


def test_probe_lease_over_lets_another_probe() -> None:
    half = Breaker(state=BreakerState.HALF_OPEN, failures=3, opened=1, open_until=NOW)
    assert admit(half, NOW - timedelta(seconds=1)).action == "wait"
    assert admit(half, NOW).action == "probe"
