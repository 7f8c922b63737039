"""``/forecast`` (a SKU's history, forecast, intervals, model and error) and
``/replenishment`` (what to reorder where, and its inputs: suppliers and settings)."""

from __future__ import annotations

import re
from typing import Annotated

from litestar import Controller, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from hub.api.auth import requires
from hub.api.paging import Listing, Page, PageAsk
from hub.api.planning_io import (
    READ_SCOPE,
    SETTINGS_SCOPE,
    ForecastOut,
    ReplenishmentPage,
    SettingsIn,
    SettingsStored,
    Supplier,
    SupplierIn,
    forecast_out,
)
from hub.bootstrap import Hub
from hub.domain.order import FieldError
from hub.errors import Unprocessable
from hub.services import replenishment
from hub.services.forecast.results import get_detail

_OFFSET = re.compile(r"^[0-9]{1,9}$")
_CODE = re.compile(r"^\S{1,64}$")


class ForecastController(Controller):
    path = "/forecast"
    tags = ["forecast"]

    @get(
        "/{sku:str}",
        guards=[requires(READ_SCOPE)],
        summary="A SKU's weekly history, forecast with 80 % and 95 % intervals, model and error",
    )
    async def get_forecast(
        self,
        hub: NamedDependency[Hub],
        sku: FromPath[str],
        channel: FromQuery[str | None] = None,
        weeks: Annotated[int, QueryParameter(ge=1, le=520)] = 104,
    ) -> ForecastOut:
        """Without ``channel``: the SKU over every channel. 404 when the last run has no
        such series; 503 (install hub[forecast]) when nothing is stored and forecasting is
        not installed."""
        return forecast_out(await get_detail(hub.db, sku, channel, weeks))


_SUPPLIERS: Listing[tuple[str]] = Listing("suppliers", tuple[str])


class ReplenishmentController(Controller):
    path = "/replenishment"
    tags = ["replenishment"]

    @get(
        "/",
        guards=[requires(READ_SCOPE)],
        summary="What to reorder per SKU and location, shortest days of cover first",
    )
    async def list_plan(
        self,
        hub: NamedDependency[Hub],
        location: FromQuery[str | None] = None,
        sku: FromQuery[str | None] = None,
        cursor: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 200,
    ) -> ReplenishmentPage:
        if cursor is not None and not _OFFSET.match(cursor):
            raise Unprocessable(
                "cursor is not one this API gave out", [FieldError("cursor", "invalid")]
            )
        found = await replenishment.get_plan(hub.db, location=location, sku=sku)
        start = int(cursor or 0)
        items = found.lines[start : start + limit]
        more = start + limit < len(found.lines)
        return ReplenishmentPage(items, str(start + limit) if more else None, found.history_end)

    @put(
        "/suppliers/{code:str}",
        guards=[requires(SETTINGS_SCOPE)],
        summary="Create or replace a supplier and its default lead time, review period, service",
    )
    async def put_supplier(
        self, hub: NamedDependency[Hub], code: FromPath[str], data: JSONBody[SupplierIn]
    ) -> Supplier:
        if not _CODE.match(code):
            raise Unprocessable(
                "a supplier code is 1 to 64 characters without spaces",
                [FieldError("code", "1 to 64 characters without spaces")],
            )
        values = {f: getattr(data, f) for f in data.__struct_fields__}
        await replenishment.put_supplier(hub.db, code, values)
        return Supplier(code=code, **values)

    @get("/suppliers", guards=[requires(READ_SCOPE)], summary="Suppliers, by code")
    async def list_suppliers(
        self, hub: NamedDependency[Hub], page: NamedDependency[PageAsk]
    ) -> Page[Supplier]:
        found = sorted(
            (
                Supplier(r.code, r.name, r.lead_time_days, r.review_period_days, r.service_level)
                for r in (await replenishment.suppliers(hub.db)).values()
            ),
            key=lambda x: x.code,
        )
        return _SUPPLIERS.page_of(found, page, key=lambda x: (x.code,))

    @put(
        "/settings",
        guards=[requires(SETTINGS_SCOPE)],
        summary="Set lead time, review period, service level or supplier per SKU and location",
    )
    async def put_settings(
        self, hub: NamedDependency[Hub], data: JSONBody[SettingsIn]
    ) -> SettingsStored:
        return SettingsStored(
            await replenishment.put_settings(hub.db, [s.row() for s in data.settings])
        )


__all__ = ["ForecastController", "ReplenishmentController"]
