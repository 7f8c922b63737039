"""The two kinds of partner failure: retriable (429, 5xx, timeouts) and fatal (other 4xx, auth).

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
