"""``/orders``: direct order entry, queries, and lifecycle actions."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter

from hub.api.auth import requires
from hub.api.problems import Problem
from hub.bootstrap import Hub
from hub.domain.bounds import FreeText
from hub.domain.lifecycle import OrderStatus
from hub.domain.order import FieldError, Order, OrderData, normalise
from hub.errors import Forbidden, NotFound, Unprocessable
from hub.services import orders as order_service
from hub.services.intake.writer import IngestRequest
from hub.services.keys import Principal
from hub.services.orders import Action, OrderDetail

_CURSOR = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


class OrderPage(msgspec.Struct):
    items: list[Order]
    next_cursor: str | None


class ActionIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[FreeText, msgspec.Meta(max_length=500)] | None = None


def _channel_for(data: JSONBody[OrderData], principal: Principal) -> str:
    if data.channel:
        return data.channel
    bound = principal.bound_channels
    return next(iter(bound)) if len(bound) == 1 else "callcentre"


def _visible(principal: Principal, order: Order) -> None:
    readable = principal.readable_channels()
    if readable is not None and order.channel not in readable:
        raise NotFound(f"no order {order.id}")


_ERRORS = {
    400: ResponseSpec(
        Problem, description="Malformed request", media_type="application/problem+json"
    ),
    401: ResponseSpec(
        Problem, description="No or unknown API key", media_type="application/problem+json"
    ),
    403: ResponseSpec(
        Problem, description="The key lacks a scope", media_type="application/problem+json"
    ),
}


class OrderController(Controller):
    path = "/orders"
    tags = ["orders"]

    @post(
        "/",
        guards=[requires("orders:write")],
        summary="Create an order (direct entry: call centre, custom channels)",
        responses={
            201: ResponseSpec(Order, description="Created; committed before this answer"),
            200: ResponseSpec(Order, description="Already known (same channel and external_id)"),
            409: ResponseSpec(Problem, description="external_id taken with other content"),
            422: ResponseSpec(Problem, description="Invalid order, or Idempotency-Key reused"),
            **_ERRORS,
        },
    )
    async def create(
        self,
        request: Request[Principal, Any, Any],
        data: JSONBody[OrderData],
        hub: NamedDependency[Hub],
        idempotency_key: Annotated[
            str | None,
            HeaderParameter(
                name="Idempotency-Key",
                required=False,
                description="Same key and body: the first answer again. Kept at least 24 h.",
            ),
        ] = None,
    ) -> Response[bytes]:
        principal = request.user
        channel = _channel_for(data, principal)
        if not principal.may_write_channel(channel):
            raise Forbidden(
                f"the key {principal.name!r} may not create orders for channel {channel!r}",
                [FieldError("channel", "not a channel this key is bound to")],
            )
        if idempotency_key is not None and not 1 <= len(idempotency_key) <= 255:
            raise Unprocessable(
                "Idempotency-Key must be 1 to 255 characters",
                [FieldError("Idempotency-Key", "must be 1 to 255 characters")],
            )
        checked = normalise(msgspec.structs.replace(data, channel=channel))
        order_service.require_channel(hub.connections, channel)
        result = await hub.writer.submit(
            IngestRequest(
                data=checked,
                actor=principal.actor,
                idempotency_scope=principal.key_id if idempotency_key else None,
                idempotency_key=idempotency_key,
            )
        )
        headers = {"Location": f"/orders/{result.order_id}"}
        if result.replayed:
            headers["Idempotent-Replayed"] = "true"
        return Response(
            content=result.body,
            status_code=result.status_code,
            media_type="application/json",
            headers=headers,
        )

    @get("/", guards=[requires("orders:read")], summary="List orders, newest first")
    async def list_orders(
        self,
        request: Request[Principal, Any, Any],
        hub: NamedDependency[Hub],
        channel: FromQuery[str | None] = None,
        status: FromQuery[OrderStatus | None] = None,
        placed_from: FromQuery[datetime | None] = None,
        placed_to: FromQuery[datetime | None] = None,
        cursor: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> OrderPage:
        for name, value in (("placed_from", placed_from), ("placed_to", placed_to)):
            if value is not None and value.tzinfo is None:
                raise Unprocessable(
                    f"{name} needs a UTC offset, e.g. 2025-03-14T00:00:00Z",
                    [FieldError(name, "has no UTC offset")],
                )
        if cursor is not None and not _CURSOR.match(cursor):
            raise Unprocessable(
                "cursor is not one this API gave out", [FieldError("cursor", "invalid")]
            )
        readable = request.user.readable_channels()
        channels: list[str] | None = None
        if channel is not None:
            channels = [channel] if readable is None or channel in readable else []
        elif readable is not None:
            channels = sorted(readable)
        items, next_cursor = await order_service.list_orders(
            hub.db,
            channels=channels,
            status=status,
            placed_from=placed_from,
            placed_to=placed_to,
            before_id=cursor,
            limit=limit,
        )
        return OrderPage(items=items, next_cursor=next_cursor)

    @get("/{order_id:str}", guards=[requires("orders:read")], summary="An order with its timeline")
    async def get_order(
        self,
        request: Request[Principal, Any, Any],
        hub: NamedDependency[Hub],
        order_id: FromPath[str],
    ) -> OrderDetail:
        detail = await order_service.get_detail(hub.db, order_id)
        _visible(request.user, detail)
        return detail

    async def _act(
        self,
        request: Request[Principal, Any, Any],
        hub: NamedDependency[Hub],
        order_id: FromPath[str],
        action: Action,
        data: ActionIn | None,
    ) -> Order:
        detail = await order_service.get_detail(hub.db, order_id)
        _visible(request.user, detail)
        if not request.user.may_write_channel(detail.channel):
            raise Forbidden(
                f"the key {request.user.name!r} may not change orders of {detail.channel!r}"
            )
        return await order_service.change(
            hub.db, order_id, action, actor=request.user.actor, reason=data.reason if data else None
        )

    @post(
        "/{order_id:str}/cancel",
        guards=[requires("orders:write")],
        status_code=200,
        summary="Cancel an order",
    )
    async def cancel(
        self,
        request: Request[Principal, Any, Any],
        hub: NamedDependency[Hub],
        order_id: FromPath[str],
        data: JSONBody[ActionIn | None] = None,
    ) -> Order:
        return await self._act(request, hub, order_id, "cancel", data)

    @post(
        "/{order_id:str}/hold",
        guards=[requires("orders:write")],
        status_code=200,
        summary="Put an order on hold",
    )
    async def hold(
        self,
        request: Request[Principal, Any, Any],
        hub: NamedDependency[Hub],
        order_id: FromPath[str],
        data: JSONBody[ActionIn | None] = None,
    ) -> Order:
        return await self._act(request, hub, order_id, "hold", data)

    @post(
        "/{order_id:str}/release",
        guards=[requires("orders:write")],
        status_code=200,
        summary="Release a hold: the order returns to the status it was held from",
    )
    async def release(
        self,
        request: Request[Principal, Any, Any],
        hub: NamedDependency[Hub],
        order_id: FromPath[str],
        data: JSONBody[ActionIn | None] = None,
    ) -> Order:
        return await self._act(request, hub, order_id, "release", data)


__all__ = ["OrderController"]
