"""The two kinds of partner failure: retriable (429, 5xx, timeouts) and fatal (other 4xx, auth).

Two retriable kinds are not retried within the call: ``NotSent`` (the hub held the call
back: the connection's circuit breaker is open, or its rate limit has no token now) and
``UnexpectedAnswer`` (a redirect, or a status the call did not declare: a misconfiguration
that the job queue retries and then parks as dead, never a success).

A ``FatalError`` is permanent unless its status says "not now" (``TRANSIENT_4XX``: 408,
409, 425, 429): see ``is_permanent``.

Messages carry what went wrong and the partner's status code, never a response body or a
header: those hold customer data and secrets that must not reach logs or job errors.
"""

from __future__ import annotations


class ConnectorError(Exception):
    """Base of every error a connector raises on purpose.

    ``status_code`` is the partner's HTTP status when there was one.
    """

    status_code: int | None = None


class RetriableError(ConnectorError):
    """Try again later: the partner is busy or down. ``retry_after`` is its own hint, if any."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, status_code: int | None = None
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.status_code = status_code


class FatalError(ConnectorError):
    """No retry will help (bad request, refused credentials, unknown resource)."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class SignatureError(FatalError):
    """A webhook whose signature does not match its body: nothing of it is kept."""


class NotSent(RetriableError):
    """The call was held back by the hub, not refused by the partner: the connection is
    paused (its circuit breaker is open) or its rate limit has no token now. Try again
    after ``retry_after``; the job does not count it as a failed attempt."""


class UnexpectedAnswer(RetriableError):
    """The partner answered with a status the call does not take as success: a redirect
    (``location`` names where to, without its query) or another status the call did not
    declare. Most likely a wrong ``base_url`` or a proxy in the way; retried by the job
    queue, then dead."""

    def __init__(self, message: str, *, status_code: int, location: str | None = None) -> None:
        super().__init__(message, status_code=status_code)
        self.location = location


#: 4xx answers that mean "not now" rather than "never": retried, not parked at once
TRANSIENT_4XX = frozenset({408, 409, 425, 429})


def is_permanent(exc: BaseException) -> bool:
    """True when the partner said the request is wrong for good: a ``FatalError`` whose
    status is not one of ``TRANSIENT_4XX`` (or that has no status: a refused setting)."""
    return isinstance(exc, FatalError) and exc.status_code not in TRANSIENT_4XX
