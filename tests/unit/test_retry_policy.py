"""Job retry policy: exponential backoff with jitter, fatal errors, partner waits."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.services.jobs import FatalJobError, RetryLater, describe, retry_at
from hub.store.jobs import Job

NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)


def job(attempts: int, max_attempts: int = 8) -> Job:
    return Job(
        id=1,
        kind="k",
        payload={},
        state="running",
        attempts=attempts,
        max_attempts=max_attempts,
        run_at=NOW,
        created_at=NOW,
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
