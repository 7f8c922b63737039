"""``/stock`` and ``/locations``: post stock movements, read levels, manage locations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter

from hub.api.auth import requires
from hub.api.paging import Listing, Page, PageAsk
from hub.bootstrap import Hub
from hub.domain.ats import Term
from hub.domain.order import FieldError
from hub.errors import NotFound, Unprocessable
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


class DriftFound(msgspec.Struct, frozen=True):
    """A figure a channel showed that differed from the hub's."""

    at: datetime
    connection: str
    sku: str
    hub_quantity: int
    channel_quantity: int


class ChannelStock(msgspec.Struct, frozen=True):
    """One channel's available to sell of a SKU and the terms it is made of, pooled over the
    locations that serve the channel (the terms add up to ``ats``)."""

    sku: str
    channel: str
    ats: int
    terms: list[Term]


_SYNC: Listing[tuple[str, str]] = Listing("stock-sync", tuple[str, str])
_DRIFT: Listing[tuple[int]] = Listing("stock-drift", tuple[int])
_LOCATIONS: Listing[tuple[int, str]] = Listing("locations", tuple[int, str])
AnyOf = Annotated[list[str] | None, QueryParameter(description="any of")]


def _sync_row(r: Any) -> SyncRow:
    return SyncRow(
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
        guards=[requires("stock:read")],
        summary="On hand, reserved and available per location; available to sell per channel",
    )
    async def get_stock(self, hub: NamedDependency[Hub], sku: FromPath[str]) -> StockView:
        return await stock_service.get_stock(hub.db, sku, hub.connections.channel_rules())

    @get(
        "/{sku:str}/ats",
        guards=[requires("ats:read")],
        summary="One channel's available to sell, with its terms (a channel's key: its own)",
    )
    async def channel_ats(
        self,
        request: Request[Principal, Any, Any],
        hub: NamedDependency[Hub],
        sku: FromPath[str],
        channel: FromQuery[str | None] = None,
    ) -> ChannelStock:
        """``channel`` defaults to the key's own; a channel's key asking for another
        channel's figure gets 404."""
        reach = request.user.channels("ats:read")
        if channel is None:
            if reach is None or len(reach) != 1:
                raise Unprocessable(
                    "name the channel: ?channel=<code>", [FieldError("channel", "required")]
                )
            channel = next(iter(reach))
        if reach is not None and channel not in reach:
            raise NotFound(f"no available-to-sell figure of channel {channel!r} for this key")
        rules = hub.connections.channel_rules()
        found = await stock_service.channel_stock(hub.db, sku, channel, rules)
        return ChannelStock(sku=sku, channel=found.channel, ats=found.ats, terms=found.terms)

    @get(
        "/sync",
        guards=[requires("stock:read")],
        summary="What each channel was last sent for each SKU, what waits, and what failed",
    )
    async def sync_state(
        self,
        hub: NamedDependency[Hub],
        page: NamedDependency[PageAsk],
        connection: AnyOf = None,
        sku: AnyOf = None,
        only: Annotated[
            list[Literal["pending", "error"]] | None,
            QueryParameter(name="state", description="pending, error, or both for either"),
        ] = None,
    ) -> Page[SyncRow]:
        found = await stock_sync.sync_state(
            hub.db,
            connection=connection,
            sku=sku,
            only=only,
            after=_SYNC.after(page.cursor),
            limit=page.fetch,
        )
        return _SYNC.page(found, page, key=lambda r: (r.connection, r.sku), show=_sync_row)

    @get(
        "/drift",
        guards=[requires("stock:read")],
        summary="Figures a channel showed that differed from the hub's, newest first",
    )
    async def drift(
        self, hub: NamedDependency[Hub], page: NamedDependency[PageAsk], connection: AnyOf = None
    ) -> Page[DriftFound]:
        after = _DRIFT.after(page.cursor)
        rows = await stock_sync.drift_found(
            hub.db, connection=connection, after=after[0] if after else None, limit=page.fetch
        )
        return _DRIFT.page(
            rows,
            page,
            key=lambda r: (r.id,),
            show=lambda r: DriftFound(
                r.at, r.connection, r.sku, r.hub_quantity, r.channel_quantity
            ),
        )


class LocationController(Controller):
    path = "/locations"
    tags = ["stock"]

    @post(
        "/",
        guards=[requires("admin")],
        status_code=201,
        summary="Add a location (lower priority is reserved first)",
    )
    async def add(self, hub: NamedDependency[Hub], data: JSONBody[LocationIn]) -> LocationIn:
        return await stock_service.add_location(hub.db, data)

    @get("/", guards=[requires("stock:read")], summary="Locations by priority (then code)")
    async def list_all(
        self, hub: NamedDependency[Hub], page: NamedDependency[PageAsk]
    ) -> Page[LocationIn]:
        found = await stock_service.list_locations(hub.db)
        return _LOCATIONS.page_of(found, page, key=lambda x: (x.priority, x.code))


__all__ = ["LocationController", "StockController"]
