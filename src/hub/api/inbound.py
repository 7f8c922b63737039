"""Partner webhooks in (``/webhooks/{connection}``), connections, and the inbound message queue.

Thin: each handler calls ``services/intake`` and answers with the Structs defined here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, QueryParameter

from hub.api.auth import requires
from hub.api.paging import Listing, Page, PageAsk
from hub.api.problems import Problem
from hub.api.query import OPEN_QUERY
from hub.bootstrap import Hub
from hub.connections import ConnectionInfo
from hub.errors import Unauthorized
from hub.sdk.connector import WebhookRequest
from hub.sdk.errors import SignatureError
from hub.services import breaker
from hub.services.intake import messages, webhooks
from hub.services.keys import Principal


class InboundMessage(msgspec.Struct, frozen=True, kw_only=True):
    """A kept partner message, without its payload."""

    id: str
    connection: str
    source: str  # webhook, poll
    dedupe_key: str
    topic: str | None
    received_at: datetime
    updated_at: datetime
    status: str  # received, processed, quarantined
    reason: str | None
    order_ids: list[str]

    @classmethod
    def of(cls, message: object) -> InboundMessage:
        return msgspec.convert(message, cls, from_attributes=True)


class WebhookAnswer(msgspec.Struct, omit_defaults=True):
    status: str
    inbound_id: str | None = None


_INBOUND: Listing[tuple[str]] = Listing("inbound", tuple[str])
_CONNECTIONS: Listing[tuple[str]] = Listing("connections", tuple[str])


class QuarantineReason(msgspec.Struct, frozen=True):
    """One time the message could not be mapped: when, who mapped it, and why."""

    at: datetime
    actor: str  # worker, cli, key:<name>
    reason: str


class InboundDetail(msgspec.Struct):
    message: InboundMessage
    body: str  # the raw payload as text (partners send UTF-8 JSON or form data)
    reasons: list[QuarantineReason]  # every quarantine reason, oldest first


class ReplayAnswer(msgspec.Struct):
    id: str
    status: str


class ConnectionHealth(msgspec.Struct, frozen=True, kw_only=True):
    """The connection's circuit breaker: ``closed`` (calls go out), ``open`` (put aside
    after timeouts in a row: its jobs wait until ``open_until``) or ``half_open`` (one
    probe call is out). ``last_error`` and ``last_failure_at`` stay after it closes."""

    state: Literal["closed", "open", "half_open"]
    failures: int  # timeouts or connection failures in a row
    open_until: datetime | None = None
    last_error: str | None = None
    last_failure_at: datetime | None = None


class ConnectionView(ConnectionInfo, frozen=True, kw_only=True):
    """A connection as configured (no secret values), with its health."""

    health: ConnectionHealth


@post(
    "/webhooks/{code:str}",
    summary="A partner's webhook (signed; no API key)",
    tags=["webhooks"],
    status_code=202,
    opt={OPEN_QUERY: True},  # partners add query parameters of their own
    responses={
        200: ResponseSpec(WebhookAnswer, description="Already received (the same delivery)"),
        401: ResponseSpec(Problem, description="The signature does not match the body"),
        413: ResponseSpec(Problem),
    },
)
async def receive_webhook(
    request: Request[Any, Any, Any], hub: NamedDependency[Hub], code: FromPath[str]
) -> Response[WebhookAnswer]:
    connection, connector = webhooks.receiver(hub.connections, code)
    body = await request.body()
    webhook = WebhookRequest(
        url=str(request.url),
        headers={k.lower(): v for k, v in request.headers.items()},
        body=body,
    )
    try:
        received = await webhooks.receive_webhook(
            hub.db, connector, connection, webhook, max_attempts=hub.settings.job_max_attempts
        )
    except SignatureError:
        raise Unauthorized("the webhook signature does not match its body") from None
    status = 202 if received.status == "accepted" else 200
    return Response(WebhookAnswer(received.status, received.inbound_id), status_code=status)


@get(
    "/connections",
    summary="Configured connections (secrets never shown), each with its health",
    tags=["connections"],
    guards=[requires("connections:read")],
)
async def list_connections(
    hub: NamedDependency[Hub], page: NamedDependency[PageAsk]
) -> Page[ConnectionView]:
    found = await breaker.health(hub.db)
    out = []
    for info in sorted(hub.connections.info(), key=lambda c: c.code):
        b = found.get(info.code)
        health = (
            ConnectionHealth(
                state=b.state.value,
                failures=b.failures,
                open_until=b.open_until,
                last_error=b.last_error,
                last_failure_at=b.last_failure_at,
            )
            if b is not None
            else ConnectionHealth(state="closed", failures=0)
        )
        out.append(ConnectionView(**msgspec.structs.asdict(info), health=health))
    return _CONNECTIONS.page_of(out, page, key=lambda c: (c.code,))


class InboundController(Controller):
    path = "/inbound"
    tags = ["inbound"]
    guards = [requires("admin")]

    @get("/", summary="Inbound messages, oldest first (status=quarantined for the dead letters)")
    async def list_inbound(
        self,
        hub: NamedDependency[Hub],
        page: NamedDependency[PageAsk],
        message_status: Annotated[
            list[Literal["received", "processed", "quarantined"]] | None,
            QueryParameter(name="status", description="any of"),
        ] = None,
        connection: Annotated[list[str] | None, QueryParameter(description="any of")] = None,
    ) -> Page[InboundMessage]:
        after = _INBOUND.after(page.cursor)
        found = await messages.list_messages(
            hub.db,
            status=message_status,
            connection=connection,
            after=after[0] if after else None,
            limit=page.fetch,
        )
        return _INBOUND.page(found, page, key=lambda m: (m.id,), show=InboundMessage.of)

    @get("/{message_id:str}", summary="One inbound message with its raw payload")
    async def get_inbound(
        self, hub: NamedDependency[Hub], message_id: FromPath[str]
    ) -> InboundDetail:
        message, body = await messages.get_message(hub.db, message_id)
        reasons = await messages.reasons(hub.db, message_id)
        return InboundDetail(
            message=InboundMessage.of(message),
            body=body.decode("utf-8", errors="replace"),
            reasons=[QuarantineReason(r.at, r.actor, r.reason) for r in reasons],
        )

    @post("/{message_id:str}/replay", status_code=200, summary="Map a quarantined message again")
    async def replay(
        self,
        request: Request[Principal, Any, Any],
        hub: NamedDependency[Hub],
        message_id: FromPath[str],
    ) -> ReplayAnswer:
        status = await messages.replay(hub.job_context(), message_id, actor=request.user.actor)
        return ReplayAnswer(id=message_id, status=status)
