"""``/catalog/skus`` over HTTP: batches store all or nothing, aliases resolve to the real SKU,
a listing or alias held by another SKU is a conflict, scopes are checked; and an order line
naming an alias reserves the real SKU's stock.
"""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from hub.bootstrap import build_registry
from hub.config import Settings
from hub.services import keys as key_service
from hub.store.database import Database
from hub.store.tables import sku_aliases, sku_listings, skus
from tests.e2e.test_orders_api import assert_problem, create, load
from tests.e2e.test_stock_api import mv, setup_locations
from tests.support.jobs import run_once_counting


def item(sku: str, **extra: Any) -> dict[str, Any]:
    return {"sku": sku, "name": sku.title(), **extra}


async def put(client: AsyncTestClient, auth: dict[str, str], *items: dict[str, Any]) -> Any:
    return await client.put("/catalog/skus", json={"skus": list(items)}, headers=auth)


async def counts(db: Database) -> tuple[int, ...]:
    """How many SKUs, listings and aliases are stored."""
    found = []
    async with db.read() as conn:
        for table in (skus, sku_listings, sku_aliases):
            query = select(func.count()).select_from(table)
            found.append((await conn.execute(query)).scalar_one())
    return tuple(found)


async def test_batch_upsert_read_by_alias_and_page(
    client: AsyncTestClient, auth: dict[str, str]
) -> None:
    tee = item(
        "TEE-M",
        attributes={"size": "M", "colour": "blue"},
        listings={"shopify-eu": "gid-123", "amazon-de": "TEE-M-FBA"},
        aliases=["TEE-MEDIUM", "OLD-TEE-M"],
    )
    r = await put(client, auth, tee, item("MUG"))
    assert (r.status_code, r.json()) == (200, {"stored": 2})
    expected = {
        "sku": "TEE-M",
        "name": "Tee-M",
        "attributes": {"size": "M", "colour": "blue"},
        "listings": {"amazon-de": "TEE-M-FBA", "shopify-eu": "gid-123"},
        "aliases": ["OLD-TEE-M", "TEE-MEDIUM"],
        "components": {},
    }
    assert (await client.get("/catalog/skus/TEE-M", headers=auth)).json() == expected
    assert (await client.get("/catalog/skus/TEE-MEDIUM", headers=auth)).json() == expected
    assert (await client.get("/catalog/skus/NOPE", headers=auth)).status_code == 404

    # Upserting again replaces name, attributes, listings and aliases.
    r = await put(client, auth, item("TEE-M", name="Tee, medium", aliases=["TEE-MEDIUM"]))
    assert r.status_code == 200
    got = (await client.get("/catalog/skus/TEE-M", headers=auth)).json()
    assert (got["name"], got["listings"], got["aliases"]) == ("Tee, medium", {}, ["TEE-MEDIUM"])
    assert (await client.get("/catalog/skus/OLD-TEE-M", headers=auth)).status_code == 404

    page = (await client.get("/catalog/skus?limit=1", headers=auth)).json()
    assert [s["sku"] for s in page["items"]] == ["MUG"] and page["next_cursor"]
    params = {"cursor": page["next_cursor"], "limit": 1}
    page = (await client.get("/catalog/skus", params=params, headers=auth)).json()
    assert [s["sku"] for s in page["items"]] == ["TEE-M"]
    assert page["next_cursor"] is None  # the last SKU: no empty page after it
    page = (await client.get("/catalog/skus?limit=2", headers=auth)).json()
    assert [s["sku"] for s in page["items"]] == ["MUG", "TEE-M"] and page["next_cursor"] is None


async def test_a_bad_item_fails_the_whole_batch(
    client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    r = await put(client, auth, item("A"), {"sku": "B", "name": ""})
    assert_problem(r, 422, "skus[1].name")
    r = await put(client, auth, item("A"), item("B", aliases=["A"]))
    assert_problem(r, 422, "skus[1].aliases[0]")
    r = await put(client, auth, item("A"), item("A"))
    assert_problem(r, 422, "skus[1].sku")
    r = await put(client, auth, item("A", listings={"Bad Code": "x"}))
    assert r.status_code == 422
    assert await counts(db) == (0, 0, 0)

    assert (await put(client, auth, item("A", aliases=["A-OLD"]))).status_code == 200
    # an alias may not be a real SKU, and a SKU may not be an existing alias
    assert_problem(await put(client, auth, item("B", aliases=["A"])), 422, "skus[0].aliases[0]")
    assert_problem(await put(client, auth, item("C"), item("A-OLD")), 422, "skus[1].sku")
    assert await counts(db) == (1, 0, 1)


async def test_listing_and_alias_conflicts(
    client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    first = item("A", listings={"ebay": "offer-1"}, aliases=["A1"])
    assert (await put(client, auth, first)).status_code == 200
    r = await put(client, auth, item("B"), item("C", listings={"ebay": "offer-1"}))
    body = assert_problem(r, 409, "skus[1].listings.ebay")
    assert "'offer-1'" in body["detail"] and "'A'" in body["detail"]
    r = await put(
        client, auth, item("B", listings={"ebay": "x"}), item("C", listings={"ebay": "x"})
    )
    assert_problem(r, 409, "skus[1].listings.ebay")
    assert_problem(await put(client, auth, item("B", aliases=["A1"])), 409, "skus[0].aliases[0]")
    assert await counts(db) == (1, 1, 1)

    # Within one batch a listing may move from one SKU to another.
    moved = (item("A"), item("B", listings={"ebay": "offer-1"}))
    assert (await put(client, auth, *moved)).status_code == 200
    got = (await client.get("/catalog/skus/B", headers=auth)).json()
    assert got["listings"] == {"ebay": "offer-1"}


async def test_scopes(client: AsyncTestClient, auth: dict[str, str], db: Database) -> None:
    _, writer = await key_service.create(db, "pim", ["catalog:write"])
    _, reader = await key_service.create(db, "reader", ["catalog:read"])
    _, orders = await key_service.create(db, "orders", ["orders:read"])
    as_reader = {"Authorization": f"Bearer {reader}"}
    as_writer = {"Authorization": f"Bearer {writer}"}
    assert (await put(client, as_reader, item("A"))).status_code == 403
    assert (await put(client, as_writer, item("A"))).status_code == 200
    assert (await client.get("/catalog/skus/A", headers=as_reader)).status_code == 200
    assert (await client.get("/catalog/skus", headers=as_reader)).status_code == 200
    assert (await client.get("/catalog/skus/A", headers=as_writer)).status_code == 200
    as_orders = {"Authorization": f"Bearer {orders}"}
    assert (await client.get("/catalog/skus", headers=as_orders)).status_code == 403


async def test_an_alias_on_an_order_line_reserves_the_real_sku(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    await setup_locations(client, auth)
    real = item("NOTEBOOK-A5", aliases=["BOOK-NOTES"])
    assert (await put(client, auth, real)).status_code == 200
    batch = [mv("receipt", "NOTEBOOK-A5", "main", 5)]
    r = await client.post("/stock/movements", json={"movements": batch}, headers=auth)
    assert r.status_code == 201
    order = (await create(client, auth, load("order_minimal"))).json()["id"]  # 3 x BOOK-NOTES
    assert await run_once_counting(db, build_registry(settings), settings) == 1
    assert (await client.get(f"/orders/{order}", headers=auth)).json()["status"] == "released"
    view = (await client.get("/stock/NOTEBOOK-A5", headers=auth)).json()
    assert (view["on_hand"], view["reserved"], view["available"]) == (5, 3, 2)
    assert (await client.get("/stock/BOOK-NOTES", headers=auth)).status_code == 404
