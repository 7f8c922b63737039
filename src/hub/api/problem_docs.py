"""Every problem answer in the OpenAPI document, derived from each route as it is registered.

No handler lists its error answers by hand. ``ProblemDocs`` looks at what a handler takes
and how it is reached, and documents the problem+json answers that can follow:

- every operation: 400 (malformed JSON, a parameter of the wrong type, an unknown one);
- behind the API key middleware: 401; with guards: 403;
- path parameters: 404 (nothing by that id, or not visible to the key);
- a write behind a key: 409 (the current state does not allow it, or an earlier request
  holds the same identity);
- a body: 413, 415 and 422 (too large, not JSON, decodes but breaks a rule);
- query, header or cookie parameters: 422 (a value that parses but breaks a rule).

Each gets ``application/problem+json`` with the ``Problem`` schema and a real example. A
handler may still list an answer itself (``responses={409: ResponseSpec(Problem, ...)}``,
or one the rules above cannot see, such as a webhook's 401); its description is kept and
its media type and example are made the standard ones. Authenticated operations get the
bearer security requirement, so Swagger's Authorize button applies to them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.plugins import ReceiveRoutePlugin
from litestar.routes import BaseRoute, HTTPRoute

from hub.api.problems import PROBLEM_JSON, Problem

BEARER = "bearer"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_OWN = "hub_own_responses"
_LITESTAR_DEFAULT = ResponseSpec(None).description

#: what each status means, and a body the hub really sends with it
STANDARD: dict[int, tuple[str, dict[str, Any]]] = {
    400: (
        "Malformed request: the body is not valid JSON, or a parameter is unknown or of the "
        "wrong type",
        {
            "title": "Malformed JSON",
            "status": 400,
            "detail": "the request body is not valid JSON: malformed JSON",
            "errors": [{"field": "body", "reason": "malformed JSON"}],
        },
    ),
    401: (
        "No API key, or one that is unknown, expired or revoked "
        "(send `Authorization: Bearer <key>`)",
        {
            "title": "Unauthorized",
            "status": 401,
            "detail": "send an API key as 'Authorization: Bearer <key>'",
        },
    ),
    403: (
        "The key lacks the scope this operation needs, or may not act for this channel",
        {
            "title": "Forbidden",
            "status": 403,
            "detail": "the key 'shop-eu' lacks the 'orders:write' scope",
        },
    ),
    404: (
        "Nothing found by {params} (or not visible to this key)",
        {"title": "Not found", "status": 404, "detail": "no order 01JQ3V7Z5X8K2M4N6P8R0T2V4W"},
    ),
    409: (
        "The current state does not allow this (e.g. an order already shipped), "
        "or an earlier request holds the same identity with other content",
        {
            "title": "Conflict",
            "status": 409,
            "detail": "cannot hold an order that is shipped",
            "errors": [{"field": "status", "reason": "is shipped"}],
        },
    ),
    413: (
        "The body is larger than the hub accepts (`HUB_MAX_BODY_BYTES`, 1 MiB by default)",
        {
            "title": "Request body too large",
            "status": 413,
            "detail": "Request Entity Too Large",
        },
    ),
    415: (
        "The body is not sent as `Content-Type: application/json`",
        {
            "title": "Unsupported media type",
            "status": 415,
            "detail": "send the body as JSON with 'Content-Type: application/json' "
            "(got 'text/plain')",
        },
    ),
    422: (
        "The request decodes but breaks a rule; `errors` names each field and reason, "
        "and nothing is written",
        {
            "title": "Invalid request",
            "status": 422,
            "detail": "totals.total: is 5800, expected 5710; lines[0].quantity: must be >= 1",
            "errors": [
                {"field": "totals.total", "reason": "is 5800, expected 5710"},
                {"field": "lines[0].quantity", "reason": "must be >= 1"},
            ],
        },
    ),
    429: (
        "Too many requests: try again after the `Retry-After` seconds",
        {"title": "Too many requests", "status": 429, "detail": "slow down"},
    ),
}


def problem_spec(status: int, description: str | None = None) -> ResponseSpec:
    """The documented problem+json answer for ``status``, with its example body."""
    standard, example = STANDARD.get(
        status, ("A problem", {"title": "Error", "status": status, "detail": "what went wrong"})
    )
    return ResponseSpec(
        Problem,
        generate_examples=False,
        description=description or standard,
        media_type=PROBLEM_JSON,
        examples=[
            Example(
                id=example["title"].lower().replace(" ", "-"),
                summary=example["title"],
                value=example,
            )
        ],
    )


def derive(methods: set[str], kwargs: Any, *, public: bool, guarded: bool) -> dict[int, str | None]:
    """The problem statuses a handler can answer, from what it takes and how it is reached;
    a description where the standard one is not enough."""
    path = sorted(p.field_alias for p in kwargs.expected_path_params)
    other = (
        kwargs.expected_query_params | kwargs.expected_header_params | kwargs.expected_cookie_params
    )
    body = bool(
        "data" in kwargs.expected_reserved_kwargs
        or kwargs.expected_form_data
        or kwargs.expected_msgpack_data
    )
    found: dict[int, str | None] = {400: None}
    if not public:
        found[401] = None
    if guarded:
        found[403] = None
    if path:
        found[404] = STANDARD[404][0].format(params=", ".join(f"`{p}`" for p in path))
    if methods & WRITES and not public:
        found[409] = None
    if body:
        found.update({413: None, 415: None, 422: None})
    if other:
        found[422] = None
    return dict(sorted(found.items()))


class ProblemDocs(ReceiveRoutePlugin):
    """Documents the problem answers of every route the app registers (see the module)."""

    def __init__(self, public_paths: Sequence[str] = ()) -> None:
        self.public = re.compile("|".join(public_paths)) if public_paths else None

    def _public(self, route: HTTPRoute, handler: HTTPRouteHandler) -> bool:
        if handler.opt.get("exclude_from_auth"):
            return True
        return bool(self.public and self.public.search(route.path))

    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute):
            return
        seen: set[int] = set()
        for handler, kwargs in route.route_handler_map.values():
            if id(handler) in seen or not handler.resolve_include_in_schema():
                continue
            seen.add(id(handler))
            public = self._public(route, handler)
            derived = derive(
                set(handler.http_methods),
                kwargs,
                public=public,
                guarded=bool(handler.resolve_guards()),
            )
            # a route is seen again when another handler joins its path: merge from the original
            own = handler.opt.setdefault(_OWN, dict(handler.responses or {}))
            handler.responses = _merge(own, derived)
            if not public and not handler.security:
                handler.security = [{BEARER: []}]


def _merge(own: dict[int, ResponseSpec], derived: dict[int, str | None]) -> dict[int, Any]:
    """The handler's own answers (problems among them made standard) and the derived ones."""
    merged: dict[int, ResponseSpec] = {
        status: problem_spec(status, description) for status, description in derived.items()
    }
    for status, spec in own.items():
        if status >= 400 and spec.data_container in (Problem, None):
            described = spec.description != _LITESTAR_DEFAULT
            merged[status] = problem_spec(status, spec.description if described else None)
        elif spec.generate_examples and not spec.examples:
            merged[status] = replace(spec, generate_examples=False)  # no random examples
        else:
            merged[status] = spec
    return dict(sorted(merged.items()))


__all__ = ["BEARER", "STANDARD", "ProblemDocs", "derive", "problem_spec"]
