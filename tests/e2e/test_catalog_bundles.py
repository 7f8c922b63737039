"""Bundles: a bundle SKU consumes its components. Its components must be real SKUs that are
not bundles; an order line for a bundle reserves the components; ``GET /stock/{bundle}``
derives the bundle's figures from its components'.
"""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from hub.bootstrap import build_registry
from hub.config import Settings
from hub.store.database import Database
from tests.e2e.test_catalog_api import counts, item, put
from tests.e2e.test_orders_api import assert_problem, create, load
from tests.e2e.test_stock_api import mv, setup_locations
from tests.support.jobs import run_once_counting


async def test_components_must_be_plain_real_skus(
    client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    r = await put(client, auth, item("KIT", components={"NOPE": 1}))
    assert_problem(r, 422, "skus[0].components.NOPE")
    r = await put(client, auth, item("KIT", components={"KIT": 1}))
    assert_problem(r, 422, "skus[0].components.KIT")
    r = await put(client, auth, item("KIT", components={"A": 0}), item("A"))
    assert r.status_code == 422
    assert await counts(db) == (0, 0, 0)

    kit = item("KIT", components={"A": 2, "B": 1})
    assert (
        await put(client, auth, item("A", aliases=["A-OLD"]), item("B"), kit)
    ).status_code == 200
    got = (await client.get("/catalog/skus/KIT", headers=auth)).json()
    assert got["components"] == {"A": 2, "B": 1}
    # no bundle of bundles, no bundle of aliases, and a component cannot become a bundle
    r = await put(client, auth, item("BIG", components={"KIT": 1}))
    assert_problem(r, 422, "skus[0].components.KIT")
    r = await put(client, auth, item("BIG", components={"A-OLD": 1}))
    assert_problem(r, 422, "skus[0].components.A-OLD")
    r = await put(client, auth, item("A", components={"B": 1}))
    assert_problem(r, 422, "skus[0].components")
    r = await put(
        client, auth, item("C"), item("D", components={"C": 1}), item("E", components={"D": 1})
    )
    assert_problem(r, 422, "skus[1].components")  # D is a bundle and a component


async def test_a_bundle_line_reserves_its_components_and_stock_is_derived(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    await setup_locations(client, auth)
    bundle = item("BOOK-NOTES", components={"PAD": 2, "PEN": 1})  # order_minimal's SKU
    assert (await put(client, auth, item("PAD"), item("PEN"), bundle)).status_code == 200
    batch = [
        mv("receipt", "PAD", "main", 10),
        mv("receipt", "PEN", "main", 3),
        mv("receipt", "PEN", "tpl", 2),
    ]
    r = await client.post("/stock/movements", json={"movements": batch}, headers=auth)
    assert r.status_code == 201
    view = (await client.get("/stock/BOOK-NOTES", headers=auth)).json()
    assert (view["on_hand"], view["reserved"], view["available"]) == (5, 0, 5)
    assert view["components"] == [
        {"sku": "PAD", "quantity": 2, "available": 10},
        {"sku": "PEN", "quantity": 1, "available": 5},
    ]
    assert [(c["channel"], c["ats"]) for c in view["channels"]] == [("callcentre", 5)]

    order = (await create(client, auth, load("order_minimal"))).json()["id"]  # 3 bundles
    assert await run_once_counting(db, build_registry(settings), settings) == 1
    assert (await client.get(f"/orders/{order}", headers=auth)).json()["status"] == "released"
    pad = (await client.get("/stock/PAD", headers=auth)).json()
    pen = (await client.get("/stock/PEN", headers=auth)).json()
    assert (pad["reserved"], pen["reserved"]) == (6, 3)
    view = (await client.get("/stock/BOOK-NOTES", headers=auth)).json()
    assert view["available"] == 2  # PAD 4 // 2 = 2, PEN 2 // 1 = 2

    # Short of a component: the hold names the component.
    again = load("order_minimal") | {"external_id": "second"}
    held = (await create(client, auth, again)).json()["id"]
    assert await run_once_counting(db, build_registry(settings), settings) == 1
    got = (await client.get(f"/orders/{held}", headers=auth)).json()
    assert got["status"] == "on_hold"
    assert "PAD: 2 of 6 short" in got["timeline"][-1]["detail"]["reason"]
