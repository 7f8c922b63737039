"""HTML answers beside JSON: when a client asks for a page, and the headers a page carries."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Operation, Schema
from litestar.openapi.spec.enums import OpenAPIType

#: a page of the hub runs no script and loads nothing from elsewhere (the defaults inline
#: their styles); Vary: the same URL answers JSON to other clients
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' "
    "data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Vary": "Accept",
}


def wants_html(accept: str | None) -> bool:
    """True when ``Accept`` prefers ``text/html`` to JSON (a browser's does; ``*/*`` and a
    missing header get JSON, as before)."""
    if not accept:
        return False
    best: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        best[media.lower()] = max(q, best.get(media.lower(), 0.0))
    html = best.get("text/html", 0.0)
    return html > 0 and html >= best.get("application/json", 0.0)


@dataclass
class PageOperation(Operation):
    """An operation whose 200 answer is also a ``text/html`` page (the OpenAPI document says
    both media types; a route takes it with ``operation_class=PageOperation``)."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        if isinstance(ok, OpenAPIResponse):
            ok.content = dict(ok.content or {})
            ok.content["text/html"] = OpenAPIMediaType(
                schema=Schema(type=OpenAPIType.STRING, description="the page, UTF-8 HTML")
            )
