"""``/stock`` and ``/locations``: post stock movements, read levels, manage locations."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from hub.api.auth import requires
from hub.bootstrap import Hub
from hub.services import stock as stock_service
from hub.services.keys import Principal
from hub.services.stock import LocationIn, MovementIn, StockView


class MovementsIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    movements: Annotated[list[MovementIn], msgspec.Meta(min_length=1, max_length=1000)]


class MovementsApplied(msgspec.Struct, frozen=True):
    applied: int


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
    ) -> MovementsApplied:
        await stock_service.post_movements(hub.db, data.movements, actor=request.user.actor)
        return MovementsApplied(applied=len(data.movements))

    @get(
        "/{sku:str}",
        guards=[requires("orders:read")],
        summary="On hand, reserved and available per location; available to sell per channel",
    )
    async def get_stock(self, hub: NamedDependency[Hub], sku: FromPath[str]) -> StockView:
        return await stock_service.get_stock(hub.db, sku, hub.connections.all())


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
