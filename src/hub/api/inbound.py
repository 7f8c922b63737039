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
from litestar.params import FromPath, FromQuery, QueryParameter

from hub.api.auth import requires
from hub.api.problems import Problem
from hub.bootstrap import Hub
from hub.connections import ConnectionInfo
from hub.errors import Unauthorized
from hub.sdk.connector import WebhookRequest
from hub.sdk.errors import SignatureError
from hub.services.intake import messages, webhooks


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


class InboundPage(msgspec.Struct):
    items: list[InboundMessage]
    next_after: str | None


class InboundDetail(msgspec.Struct):
    message: InboundMessage
    body: str  # the raw payload as text (partners send UTF-8 JSON or form data)


class ReplayAnswer(msgspec.Struct):
    id: str
    status: str


@post(
    "/webhooks/{code:str}",
    summary="A partner's webhook (signed; no API key)",
    tags=["webhooks"],
    status_code=202,
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
    summary="Configured connections (secrets never shown)",
    tags=["connections"],
    guards=[requires("orders:read")],
)
async def list_connections(hub: NamedDependency[Hub]) -> list[ConnectionInfo]:
    return hub.connections.info()


class InboundController(Controller):
    path = "/inbound"
    tags = ["inbound"]
    guards = [requires("admin")]

    @get("/", summary="Inbound messages, oldest first (status=quarantined for the dead letters)")
    async def list_inbound(
        self,
        hub: NamedDependency[Hub],
        message_status: Annotated[
            Literal["received", "processed", "quarantined"] | None, QueryParameter(name="status")
        ] = None,
        connection: FromQuery[str | None] = None,
        after: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> InboundPage:
        found = await messages.list_messages(
            hub.db, status=message_status, connection=connection, after=after, limit=limit
        )
        items = [InboundMessage.of(m) for m in found]
        return InboundPage(items=items, next_after=items[-1].id if len(items) == limit else None)

    @get("/{message_id:str}", summary="One inbound message with its raw payload")
    async def get_inbound(
        self, hub: NamedDependency[Hub], message_id: FromPath[str]
    ) -> InboundDetail:
        message, body = await messages.get_message(hub.db, message_id)
        return InboundDetail(
            message=InboundMessage.of(message), body=body.decode("utf-8", errors="replace")
        )

    @post("/{message_id:str}/replay", status_code=200, summary="Map a quarantined message again")
    async def replay(self, hub: NamedDependency[Hub], message_id: FromPath[str]) -> ReplayAnswer:
        status = await messages.replay(hub.job_context(), message_id)
        return ReplayAnswer(id=message_id, status=status)
