"""Job retry policy: exponential backoff with jitter, fatal errors, partner waits; what is
dead at once, how long a partner job is tried, and the schedule of its waits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.sdk import FatalError, NotSent, RetriableError
from hub.services.jobs import (
    FatalJobError,
    RetryLater,
    describe,
    held_back,
    retry_at,
    schedule,
)
from hub.store.jobs import Job

NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
DAY = timedelta(hours=24)


def job(attempts: int, max_attempts: int = 8, *, queued: timedelta = timedelta()) -> Job:
    return Job(
        id=1,
        kind="k",
        payload={},
        state="running",
        attempts=attempts,
        max_attempts=max_attempts,
        run_at=NOW,
        created_at=NOW - queued,
        updated_at=NOW,
    )


def delay(attempts: int, exc: BaseException | None = None) -> float:
    when = retry_at(job(attempts), exc or RuntimeError("x"), now=NOW, base=2.0, cap=3600.0)
    assert when is not None
    return (when - NOW).total_seconds()


def test_backoff_grows_exponentially_within_its_jitter_band() -> None:
    for attempts in range(1, 8):
        ceiling = 2.0 * 2 ** (attempts - 1)
        samples = [delay(attempts) for _ in range(200)]
        assert all(ceiling / 2 <= d <= ceiling for d in samples)
        assert len(set(samples)) > 100  # jittered, not one fixed value


def test_backoff_is_capped() -> None:
    when = retry_at(job(30, max_attempts=99), RuntimeError(), now=NOW, base=2.0, cap=60.0)
    assert when is not None and (when - NOW).total_seconds() <= 60.0


def test_last_attempt_and_fatal_errors_park_the_job() -> None:
    assert retry_at(job(8), RuntimeError(), now=NOW, base=2, cap=60) is None
    assert retry_at(job(1), FatalJobError("400"), now=NOW, base=2, cap=60) is None


def test_retry_after_wins_when_longer() -> None:
    assert delay(1, RetryLater("429", after_seconds=120)) == 120


def test_error_text_is_bounded() -> None:
    text = describe(ValueError("x" * 5000))
    assert text.startswith("ValueError: ") and len(text) == 2000


def test_the_partner_schedule_spans_a_day_each_wait_capped_at_an_hour() -> None:
    waits = schedule(2.0, 3600.0, DAY)
    assert waits[:5] == [2.0, 4.0, 8.0, 16.0, 32.0]
    assert max(waits) == 3600.0
    assert sum(waits[:-1]) < DAY.total_seconds() <= sum(waits)
    assert len(waits) == 34  # 35 attempts if each waited its full time (jitter: more)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422])
def test_a_permanent_refusal_is_dead_at_once(status: int) -> None:
    refused = FatalError("partner answered", status_code=status)
    assert retry_at(job(1), refused, now=NOW, base=2, cap=3600, span=DAY) is None


@pytest.mark.parametrize("status", [408, 409, 425, 429])
def test_a_4xx_that_means_not_now_is_retried(status: int) -> None:
    later = FatalError("partner answered", status_code=status)
    assert retry_at(job(1), later, now=NOW, base=2, cap=3600, span=DAY) is not None


def test_a_partner_job_is_tried_for_the_span_whatever_its_attempts() -> None:
    down = RetriableError("timed out")
    old = job(30, 8, queued=timedelta(hours=23))
    when = retry_at(old, down, now=NOW, base=2, cap=3600, span=DAY)
    assert when is not None and NOW + timedelta(minutes=30) <= when <= NOW + timedelta(hours=1)
    expired = job(3, queued=timedelta(hours=24))
    assert retry_at(expired, down, now=NOW, base=2, cap=3600, span=DAY) is None
    assert retry_at(job(8), down, now=NOW, base=2, cap=3600) is None, "others: max_attempts"
    assert (
        retry_at(job(1), FatalJobError("no handler"), now=NOW, base=2, cap=3600, span=DAY) is None
    )


def test_a_partners_hint_wins_when_longer() -> None:
    hinted = RetriableError("429", retry_after=600.0)
    assert retry_at(job(1), hinted, now=NOW, base=2, cap=3600, span=DAY) == NOW + timedelta(
        seconds=600
    )


def test_only_a_call_held_back_gives_its_attempt_back() -> None:
    assert held_back(NotSent("paused", retry_after=12.0)) == 12.0
    assert held_back(RetryLater.after(NotSent("no token", retry_after=0.5))) == 0.5
    assert held_back(RetryLater.after(RetriableError("503", retry_after=5.0))) is None
    assert held_back(RuntimeError("bug")) is None
