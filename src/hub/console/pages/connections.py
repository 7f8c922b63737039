"""Connections: each one's health (breaker, last poll or webhook, last stock push and the
rows waiting, last error, rate-limit waits, drift)."""

from __future__ import annotations

from litestar import Response, get
from litestar.di import NamedDependency

from hub.bootstrap import Hub
from hub.console.web import Operator, page
from hub.services.console.health import health


@get("/connections")
async def connections(hub: NamedDependency[Hub], op: NamedDependency[Operator]) -> Response[str]:
    op.need("connections:read")
    return page("connections.html", op, connections=await health(hub.db, hub.connections))
