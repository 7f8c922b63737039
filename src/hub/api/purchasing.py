"""``/purchase-orders``: what is on order from suppliers, and its receipt into stock."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter

from hub.api.auth import requires
from hub.api.planning_io import (
    PURCHASING_SCOPE,
    READ_SCOPE,
    PurchaseOrderIn,
    PurchaseOrderPage,
    ReceiptIn,
)
from hub.bootstrap import Hub
from hub.domain.order import FieldError
from hub.errors import Unprocessable
from hub.services import purchasing
from hub.services.keys import Principal
from hub.services.purchasing import PurchaseOrder

_CURSOR = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


class PurchaseOrderController(Controller):
    path = "/purchase-orders"
    tags = ["purchasing"]

    @post(
        "/",
        guards=[requires(PURCHASING_SCOPE)],
        status_code=201,
        summary="Place a purchase order: supplier, location, expected date, lines",
    )
    async def create(
        self,
        request: Request[Principal, Any, Any],
        hub: NamedDependency[Hub],
        data: JSONBody[PurchaseOrderIn],
    ) -> PurchaseOrder:
        return await purchasing.create(
            hub.db,
            supplier=data.supplier,
            location=data.location,
            expected_on=data.expected_on,
            lines=[(ln.sku, ln.quantity) for ln in data.lines],
            reference=data.reference,
            actor=request.user.actor,
        )

    @get("/", guards=[requires(READ_SCOPE)], summary="Purchase orders, newest first")
    async def list_all(
        self,
        hub: NamedDependency[Hub],
        status: FromQuery[Literal["open", "received", "closed"] | None] = None,
        supplier: FromQuery[str | None] = None,
        location: FromQuery[str | None] = None,
        cursor: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> PurchaseOrderPage:
        if cursor is not None and not _CURSOR.match(cursor):
            raise Unprocessable(
                "cursor is not one this API gave out", [FieldError("cursor", "invalid")]
            )
        items, next_cursor = await purchasing.page(
            hub.db, status=status, supplier=supplier, location=location, cursor=cursor, limit=limit
        )
        return PurchaseOrderPage(items, next_cursor)

    @get("/{po_id:str}", guards=[requires(READ_SCOPE)], summary="One purchase order")
    async def get_one(self, hub: NamedDependency[Hub], po_id: FromPath[str]) -> PurchaseOrder:
        return await purchasing.get(hub.db, po_id)

    @post(
        "/{po_id:str}/receive",
        guards=[requires(PURCHASING_SCOPE)],
        status_code=200,
        summary="Receive units into stock at the order's location (partial receipts allowed)",
    )
    async def receive(
        self,
        request: Request[Principal, Any, Any],
        hub: NamedDependency[Hub],
        po_id: FromPath[str],
        data: JSONBody[ReceiptIn],
        idempotency_key: Annotated[
            str | None,
            HeaderParameter(
                name="Idempotency-Key",
                required=False,
                description="Same key and body: the first answer again, nothing received twice.",
            ),
        ] = None,
    ) -> Response[PurchaseOrder]:
        if idempotency_key is not None and not 1 <= len(idempotency_key) <= 200:
            raise Unprocessable(
                "Idempotency-Key must be 1 to 200 characters",
                [FieldError("Idempotency-Key", "must be 1 to 200 characters")],
            )
        scope = (request.user.key_id, idempotency_key) if idempotency_key else None
        result, replayed = await purchasing.receive(
            hub.db,
            po_id,
            [(ln.sku, ln.quantity) for ln in data.lines],
            actor=request.user.actor,
            note=data.note,
            idempotency=scope,
        )
        headers = {"Idempotent-Replayed": "true"} if replayed else {}
        return Response(result, headers=headers)

    @post(
        "/{po_id:str}/close",
        guards=[requires(PURCHASING_SCOPE)],
        status_code=200,
        summary="Stop expecting what is still missing (it no longer counts as on order)",
    )
    async def close(self, hub: NamedDependency[Hub], po_id: FromPath[str]) -> PurchaseOrder:
        return await purchasing.close(hub.db, po_id)


__all__ = ["PurchaseOrderController"]
