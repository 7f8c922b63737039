"""``/orders``: direct order entry, queries, and lifecycle actions."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter

from hub.api.auth import requires
from hub.api.order_io import (
    LISTINGS,
    ActionIn,
    CancelledOrder,
    order_filters,
    visible_to,
)
from hub.api.paging import Page, PageAsk
from hub.api.problems import Problem
from hub.bootstrap import Hub
from hub.domain.order import FieldError, Order, OrderData, normalise
from hub.domain.order_edit import OrderPatch
from hub.domain.refund import refund_due
from hub.errors import Forbidden, NotFound, Unprocessable
from hub.services import order_edit
from hub.services import orders as order_service
from hub.services.intake.writer import IngestRequest
from hub.services.keys import Principal
from hub.services.orders import Action, OrderDetail, OrderFilter, OrderSort


def _channel_for(data: JSONBody[OrderData], principal: Principal) -> str:
    if data.channel:
        return data.channel
    bound = principal.bound_channels
    return next(iter(bound)) if len(bound) == 1 else "callcentre"


def _visible(principal: Principal, order: Order, asked: str) -> None:
    """A key that may not read the order's channel is told there is no such order."""
    readable = principal.readable_channels()
    if readable is not None and order.channel not in readable:
        raise NotFound(f"no order {asked}")


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

    @get(
        "/",
        guards=[requires("orders:read")],
        summary="List orders: filtered, newest first (sort=updated_at for incremental sync)",
        dependencies={"filters": Provide(order_filters, sync_to_thread=False)},
    )
    async def list_orders(
        self,
        request: Request[Principal, Any, Any],
        hub: NamedDependency[Hub],
        filters: NamedDependency[OrderFilter],
        page: NamedDependency[PageAsk],
        sort: Annotated[
            OrderSort,
            QueryParameter(
                description="placed_at or updated_at; a leading '-' for newest first. "
                "Incremental sync: updated_since and sort=updated_at"
            ),
        ] = OrderSort.PLACED_DESC,
    ) -> Page[Order]:
        """Every filter can be repeated for "any of"; an unknown parameter is a 400."""
        listing = LISTINGS[sort]
        found = await order_service.list_orders(
            hub.db,
            visible_to(filters, request.user.readable_channels()),
            sort=sort,
            after=listing.after(page.cursor),
            limit=page.fetch,
        )
        return listing.page(found, page, key=sort.key, show=lambda o: o)

    @get(
        "/by-external/{channel:str}/{external_id:str}",
        guards=[requires("orders:read")],
        summary="An order with its timeline, by its channel and the channel's id for it",
    )
    async def by_external(
        self,
        request: Request[Principal, Any, Any],
        hub: NamedDependency[Hub],
        channel: FromPath[str],
        external_id: FromPath[str],
    ) -> OrderDetail:
        detail = await order_service.detail_by_external(hub.db, channel, external_id)
        _visible(request.user, detail, external_id)
        return detail

    @get(
        "/{order_id:str}",
        guards=[requires("orders:read")],
        summary="An order with its timeline, by its id or its number (H-100002)",
    )
    async def get_order(
        self,
        request: Request[Principal, Any, Any],
        hub: NamedDependency[Hub],
        order_id: FromPath[str],
    ) -> OrderDetail:
        detail = await order_service.get_detail(hub.db, order_id)
        _visible(request.user, detail, order_id)
        return detail

    @patch(
        "/{order_id:str}",
        guards=[requires("orders:write")],
        summary="Change the address, note, tags, ship_by or service level before release",
        responses={
            409: ResponseSpec(Problem, description="Released or ended: no longer changes here"),
            422: ResponseSpec(Problem, description="A field is unknown or breaks a rule"),
        },
    )
    async def edit(
        self,
        request: Request[Principal, Any, Any],
        hub: NamedDependency[Hub],
        order_id: FromPath[str],
        data: JSONBody[OrderPatch],
    ) -> Order:
        """Each change is on the timeline (``edited``) with who made it; a later version of
        the order from its channel keeps it unless the channel changed that field too."""
        detail = await self._writable(request, hub, order_id)
        return await order_edit.edit(hub.db, detail.id, data, actor=request.user.actor)

    async def _writable(
        self, request: Request[Principal, Any, Any], hub: Hub, order_id: str
    ) -> OrderDetail:
        """The order, if the caller's key may see and change it."""
        detail = await order_service.get_detail(hub.db, order_id)
        _visible(request.user, detail, order_id)
        if not request.user.may_write_channel(detail.channel):
            raise Forbidden(
                f"the key {request.user.name!r} may not change orders of {detail.channel!r}"
            )
        return detail

    async def _act(
        self,
        request: Request[Principal, Any, Any],
        hub: NamedDependency[Hub],
        order_id: FromPath[str],
        action: Action,
        data: ActionIn | None,
    ) -> Order:
        detail = await self._writable(request, hub, order_id)
        reason = data.reason if data else None
        return await order_service.change(
            hub.db, detail.id, action, actor=request.user.actor, reason=reason
        )

    @post(
        "/{order_id:str}/cancel",
        guards=[requires("orders:write")],
        status_code=200,
        summary="Cancel an order; the answer says what its buyer is owed back",
    )
    async def cancel(
        self,
        request: Request[Principal, Any, Any],
        hub: NamedDependency[Hub],
        order_id: FromPath[str],
        data: JSONBody[ActionIn | None] = None,
    ) -> CancelledOrder:
        """``refund_due``: what was captured and not refunded, with what to do about it
        (also noted on the timeline). Record the refund with ``POST /orders/{id}/payments``."""
        order = await self._act(request, hub, order_id, "cancel", data)
        return CancelledOrder(**msgspec.structs.asdict(order), refund_due=refund_due(order))

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
