"""Errors the services raise and the API turns into problem+json (one place maps them)."""

from __future__ import annotations

from hub.domain.order import FieldError


class HubError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


class NotFound(HubError):
    status = 404
    title = "Not found"


class Conflict(HubError):
    status = 409
    title = "Conflict"


class Unprocessable(HubError):
    status = 422
    title = "Unprocessable request"


class Unauthorized(HubError):
    status = 401
    title = "Unauthorized"


class Forbidden(HubError):
    status = 403
    title = "Forbidden"
