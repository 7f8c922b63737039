"""Inbound: quarantined messages with why and their payload (credentials removed); map
one again, or all of them."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from hub.bootstrap import Hub
from hub.console.web import OPEN, Operator, page, posted
from hub.errors import HubError
from hub.services.console.redact import redacted
from hub.services.intake import messages

PAGE = 50
REPLAY_ALL = 200  # replayed in one go at most; the page shows what is left


@get("/inbound", opt=OPEN)
async def inbound(
    request: Request[Any, Any, Any], hub: NamedDependency[Hub], op: NamedDependency[Operator]
) -> Response[str]:
    op.need("admin")
    after = request.query_params.get("after") or None
    found = await messages.list_messages(
        hub.db, status="quarantined", connection=None, after=after, limit=PAGE + 1
    )
    more = len(found) > PAGE
    found = found[:PAGE]
    return page(
        "inbound.html",
        op,
        messages=found,
        after=found[-1].id if more else None,
        done=request.query_params.get("done"),
    )


@get("/inbound/{message_id:str}", opt=OPEN)
async def message(
    request: Request[Any, Any, Any],
    hub: NamedDependency[Hub],
    op: NamedDependency[Operator],
    message_id: FromPath[str],
) -> Response[str]:
    op.need("admin")
    found, body = await messages.get_message(hub.db, message_id)
    reasons = await messages.reasons(hub.db, message_id)
    return page(
        "message.html",
        op,
        message=found,
        body=redacted(body),
        reasons=reasons,
        done=request.query_params.get("done"),
    )


@post("/inbound/{message_id:str}/replay", status_code=303)
async def replay(
    request: Request[Any, Any, Any],
    hub: NamedDependency[Hub],
    op: NamedDependency[Operator],
    message_id: FromPath[str],
) -> Response[Any]:
    op.need("admin")
    await posted(request, op)
    status = await messages.replay(hub.job_context(), message_id, actor=op.principal.actor)
    return Redirect(f"/console/inbound/{message_id}?done={status}", status_code=303)


@post("/inbound/replay-all", status_code=303)
async def replay_all(
    request: Request[Any, Any, Any], hub: NamedDependency[Hub], op: NamedDependency[Operator]
) -> Response[Any]:
    op.need("admin")
    await posted(request, op)
    found = await messages.list_messages(
        hub.db, status="quarantined", connection=None, after=None, limit=REPLAY_ALL
    )
    mapped = 0
    for m in found:
        try:
            status = await messages.replay(hub.job_context(), m.id, actor=op.principal.actor)
        except HubError:
            continue  # its connection is not configured here: left as it was
        mapped += status != "quarantined"
    return Redirect(f"/console/inbound?done={mapped}+of+{len(found)}+mapped", status_code=303)
