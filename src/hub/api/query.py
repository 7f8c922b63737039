"""Query parameters that fail loudly, for every route at once.

A parameter the route does not take, or one given twice where the route takes one value,
is a 400 naming it, instead of being ignored (``/orders?external_id=X`` used to answer
every order) or silently taking the last value. A parameter that takes several values
(``?status=a&status=b``) means "any of" them.

What a route takes is read from its handler's signature and dependencies, the same model
litestar parses the request with. Routes that take whatever a partner sends (webhooks,
marked ``opt={"open_query": True}``) and litestar's own (the OpenAPI pages) are left alone.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.handlers import BaseRouteHandler

from hub.domain.order import FieldError
from hub.errors import HubError

OPEN_QUERY = "open_query"

_known: dict[BaseRouteHandler, tuple[frozenset[str], frozenset[str]]] = {}


def _parameters(handler: BaseRouteHandler, path: dict[str, Any]) -> tuple[frozenset[str], ...]:
    """The query parameter names ``handler`` takes, and those that take several values."""
    found = _known.get(handler)
    if found is None:
        model = handler.create_kwargs_model(path_parameters=dict.fromkeys(path))  # type: ignore[arg-type]
        params = model.expected_query_params
        found = (
            frozenset(p.field_alias for p in params),
            frozenset(p.field_alias for p in params if p.is_sequence),
        )
        _known[handler] = found
    return found


def _problems(request: Request[Any, Any, Any]) -> list[FieldError]:
    names, many = _parameters(request.route_handler, request.path_params)
    given = request.query_params
    errors = [
        FieldError(name, "not a parameter of this endpoint") for name in sorted(set(given) - names)
    ]
    errors += [
        FieldError(name, "given more than once; it takes one value")
        for name in sorted(set(given) & (names - many))
        if len(given.getall(name)) > 1
    ]
    return errors


async def check_query(request: Request[Any, Any, Any]) -> None:
    """The app's ``before_request`` hook: refuse unknown and repeated query parameters."""
    if not request.scope.get("query_string"):
        return
    handler = request.route_handler
    if handler.opt.get(OPEN_QUERY) or handler.fn.__module__.startswith("litestar."):
        return
    errors = _problems(request)
    if errors:
        names, _ = _parameters(handler, request.path_params)
        takes = ", ".join(sorted(names)) or "no query parameters"
        raise HubError(
            "; ".join(f"{e.field}: {e.reason}" for e in errors) + f". This endpoint takes: {takes}",
            errors,
        )


__all__ = ["OPEN_QUERY", "check_query"]
