"""The one place that turns errors into problem+json (RFC 9457) answers."""

from __future__ import annotations

import logging
import re
from typing import Any

import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    SerializationException,
    ValidationException,
)

from hub.domain.lifecycle import TransitionRefused
from hub.domain.order import FieldError, InvalidOrder
from hub.errors import HubError

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class Problem(msgspec.Struct, omit_defaults=True):
    title: str
    status: int
    detail: str
    type: str = "about:blank"
    errors: list[FieldError] = []


def problem(
    status: int, title: str, detail: str, errors: list[FieldError] | None = None
) -> Response[Any]:
    return Response(
        content=Problem(title=title, status=status, detail=detail, errors=errors or []),
        status_code=status,
        media_type=PROBLEM_JSON,
    )


def _hub_error(_: Request[Any, Any, Any], exc: HubError) -> Response[Any]:
    return problem(exc.status, exc.title, exc.detail, exc.errors)


def _invalid_order(_: Request[Any, Any, Any], exc: InvalidOrder) -> Response[Any]:
    return problem(422, "Invalid order", str(exc), exc.errors)


def _transition(_: Request[Any, Any, Any], exc: TransitionRefused) -> Response[Any]:
    return problem(409, "Conflict", str(exc), [FieldError("status", f"is {exc.current}")])


_AT = re.compile(r"^(?P<reason>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)
_MISSING = re.compile(r"(?:missing required|contains unknown) field `(?P<name>[^`]+)`")


def _field_errors(extra: Any) -> list[FieldError]:
    errors = []
    for item in extra if isinstance(extra, list) else []:
        if not isinstance(item, dict):
            continue
        message = str(item.get("message", ""))
        match = _AT.match(message)
        reason = match.group("reason") if match else message
        path = ((match.group("path") if match else None) or "").lstrip(".")
        field = path or str(item.get("key") or "") or "body"
        if field == "data":  # litestar's name for the request body
            field = "body"
        missing = _MISSING.search(reason)
        if missing:  # the path names the object; the field is its missing (unknown) member
            parent = "" if field == "body" else field
            field = f"{parent}.{missing.group('name')}" if parent else missing.group("name")
        if item.get("source") in ("query", "path", "header") and item.get("key"):
            field = str(item["key"])
        errors.append(FieldError(field, reason.replace("`", "")))
    return errors


def _validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    errors = _field_errors(exc.extra)
    malformed = any("malformed" in e.reason.lower() for e in errors)
    if malformed:
        return problem(400, "Malformed JSON", "the request body is not valid JSON", errors)
    detail = "; ".join(f"{e.field}: {e.reason}" for e in errors) or exc.detail
    return problem(422 if request.method != "GET" else 400, "Invalid request", detail, errors)


def _unauthorized(_: Request[Any, Any, Any], exc: NotAuthorizedException) -> Response[Any]:
    response = problem(401, "Unauthorized", exc.detail)
    response.headers["WWW-Authenticate"] = "Bearer"
    return response


def _http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if isinstance(exc.__cause__, SerializationException):
        return problem(
            400,
            "Malformed JSON",
            f"the request body is not valid JSON: {exc.detail}",
            [FieldError("body", exc.detail)],
        )
    if exc.status_code == 500:  # litestar's own 500s name its internals in their detail
        return _internal(request, exc)
    return problem(exc.status_code, _TITLES.get(exc.status_code, "Error"), exc.detail)


def _internal(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(500, "Internal error", "the hub failed to handle this request; it was logged")


_TITLES = {
    400: "Bad request",
    404: "Not found",
    405: "Method not allowed",
    413: "Request body too large",
    415: "Unsupported media type",
    429: "Too many requests",
    503: "Unavailable",
}

exception_handlers: dict[type[Exception] | int, Any] = {
    HubError: _hub_error,
    InvalidOrder: _invalid_order,
    TransitionRefused: _transition,
    ValidationException: _validation,
    NotAuthorizedException: _unauthorized,
    HTTPException: _http,
    Exception: _internal,
}

__all__ = ["PROBLEM_JSON", "MediaType", "Problem", "exception_handlers", "problem"]
