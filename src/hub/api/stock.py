"""``/stock`` and ``/locations``: post stock movements, read levels, manage locations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter

from hub.api.auth import requires
from hub.bootstrap import Hub
from hub.domain.order import FieldError
from hub.errors import Unprocessable
from hub.services import stock as stock_service
from hub.services import stock_sync
from hub.services.keys import Principal
from hub.services.stock import LocationIn, MovementIn, MovementsApplied, StockView


class MovementsIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    movements: Annotated[list[MovementIn], msgspec.Meta(min_length=1, max_length=1000)]


class SyncRow(msgspec.Struct, frozen=True):
    """What the hub last sent one channel for one SKU, what waits, and what failed."""

    connection: str
    sku: str
    pending: bool
    pushed_quantity: int | None
    pushed_at: datetime | None
    attempts: int
    last_error: str | None
    checked_at: datetime | None
    #: the figure the channel refused for good: not sent again until it changes (or a resync)
    refused_quantity: int | None = None


class SyncPage(msgspec.Struct, frozen=True):
    items: list[SyncRow]
    next: str | None  # pass as ``after`` for the next page: "connection/sku"


class DriftFound(msgspec.Struct, frozen=True):
    """A figure a channel showed that differed from the hub's."""

    at: datetime
    connection: str
    sku: str
    hub_quantity: int
    channel_quantity: int


class StockController(Controller):
    path = "/stock"
    tags = ["stock"]

    @post(
        "/movements",
        guards=[requires("stock:write")],
        status_code=201,
        summary="Apply receipts, adjustments and counts in one transaction (all or none)",
    )
    async def post_movements(
        self,
        request: Request[Principal, Any, Any],
        hub: NamedDependency[Hub],
        data: JSONBody[MovementsIn],
        idempotency_key: Annotated[
            str | None,
            HeaderParameter(
                name="Idempotency-Key",
                required=False,
                description="Same key and batch: the first answer again, nothing applied twice.",
            ),
        ] = None,
    ) -> Response[MovementsApplied]:
        if idempotency_key is not None and not 1 <= len(idempotency_key) <= 200:
            raise Unprocessable(
                "Idempotency-Key must be 1 to 200 characters",
                [FieldError("Idempotency-Key", "must be 1 to 200 characters")],
            )
        scope = (request.user.key_id, idempotency_key) if idempotency_key else None
        result, replayed = await stock_service.post_movements(
            hub.db, data.movements, actor=request.user.actor, idempotency=scope
        )
        headers = {"Idempotent-Replayed": "true"} if replayed else {}
        return Response(result, status_code=201, headers=headers)

    @get(
        "/{sku:str}",
        guards=[requires("orders:read")],
        summary="On hand, reserved and available per location; available to sell per channel",
    )
    async def get_stock(self, hub: NamedDependency[Hub], sku: FromPath[str]) -> StockView:
        return await stock_service.get_stock(hub.db, sku, hub.connections.channel_rules())

    @get(
        "/sync",
        guards=[requires("orders:read")],
        summary="What each channel was last sent for each SKU, what waits, and what failed",
    )
    async def sync_state(
        self,
        hub: NamedDependency[Hub],
        connection: FromQuery[str | None] = None,
        sku: FromQuery[str | None] = None,
        only: Annotated[Literal["pending", "error"] | None, QueryParameter(name="state")] = None,
        after: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
    ) -> SyncPage:
        found = await stock_sync.sync_state(
            hub.db, connection=connection, sku=sku, only=only, after=after, limit=limit
        )
        items = [
            SyncRow(
                r.connection,
                r.sku,
                r.pending,
                r.pushed_quantity,
                r.pushed_at,
                r.attempts,
                r.last_error,
                r.checked_at,
                r.refused_quantity,
            )
            for r in found.rows
        ]
        return SyncPage(items=items, next=found.next)

    @get(
        "/drift",
        guards=[requires("orders:read")],
        summary="Figures a channel showed that differed from the hub's, newest first",
    )
    async def drift(
        self,
        hub: NamedDependency[Hub],
        connection: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
    ) -> list[DriftFound]:
        rows = await stock_sync.drift_found(hub.db, connection=connection, limit=limit)
        return [
            DriftFound(r.at, r.connection, r.sku, r.hub_quantity, r.channel_quantity) for r in rows
        ]


class LocationController(Controller):
    path = "/locations"
    tags = ["stock"]
    guards = [requires("admin")]

    @post("/", status_code=201, summary="Add a location (lower priority is reserved first)")
    async def add(self, hub: NamedDependency[Hub], data: JSONBody[LocationIn]) -> LocationIn:
        return await stock_service.add_location(hub.db, data)

    @get("/", summary="Every location, by priority")
    async def list_all(self, hub: NamedDependency[Hub]) -> list[LocationIn]:
        return await stock_service.list_locations(hub.db)


__all__ = ["LocationController", "StockController"]
