"""``/catalog/skus``: upsert SKUs with listings and aliases in batches, read them."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from hub.api.auth import requires
from hub.api.paging import Listing, Page, PageAsk
from hub.bootstrap import Hub
from hub.services import catalog as catalog_service
from hub.services.catalog import SkuIn, SkuOut

_SKUS: Listing[tuple[str]] = Listing("skus", tuple[str])


class SkusIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    skus: Annotated[list[SkuIn], msgspec.Meta(min_length=1, max_length=1000)]


class SkusStored(msgspec.Struct, frozen=True):
    stored: int


class CatalogController(Controller):
    path = "/catalog/skus"
    tags = ["catalog"]

    @put(
        "/",
        guards=[requires("catalog:write")],
        summary="Create or replace SKUs with their listings and aliases (all or none)",
    )
    async def upsert(self, hub: NamedDependency[Hub], data: JSONBody[SkusIn]) -> SkusStored:
        return SkusStored(stored=await catalog_service.upsert_skus(hub.db, data.skus))

    @get("/", guards=[requires("catalog:read")], summary="SKUs in SKU order, a page at a time")
    async def list_all(
        self, hub: NamedDependency[Hub], page: NamedDependency[PageAsk]
    ) -> Page[SkuOut]:
        after = _SKUS.after(page.cursor)
        found = await catalog_service.list_skus(
            hub.db, after=after[0] if after else None, limit=page.fetch
        )
        return _SKUS.page(found, page, key=lambda s: (s.sku,), show=lambda s: s)

    @get(
        "/{sku:str}",
        guards=[requires("catalog:read")],
        summary="One SKU, by its name or one of its aliases",
    )
    async def get_one(self, hub: NamedDependency[Hub], sku: FromPath[str]) -> SkuOut:
        return await catalog_service.get_sku(hub.db, sku)


__all__ = ["CatalogController"]
