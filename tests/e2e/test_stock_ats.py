"""Available to sell per channel over HTTP: each channel's figure from its connection's
settings and the locations' safety stock, explained term by term in ``GET /stock/{sku}``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from hub.api.app import create_app
from hub.config import Settings
from hub.services import keys as key_service
from hub.store.database import Database

CONFIG = """
connections:
  - code: web
    connector: shopify
  - code: amazon-de
    connector: amazon
    settings: {stock_locations: [main], stock_buffer: 2, stock_share: 50, stock_cap: 2}
  - code: ebay-de
    connector: ebay
    settings: {stock_locations: []}
"""


@pytest.fixture
async def ats_client(settings: Settings, tmp_path: Path) -> AsyncIterator[AsyncTestClient]:
    config = tmp_path / "hub.yaml"
    config.write_text(CONFIG)
    configured = msgspec.structs.replace(settings, config_path=str(config))
    async with AsyncTestClient(app=create_app(configured, run_worker=False)) as client:
        yield client


async def test_each_channel_sees_its_own_figure_with_the_terms(
    ats_client: AsyncTestClient, auth: dict[str, str]
) -> None:
    client = ats_client
    for code, safety in (("main", 1), ("tpl", 0), ("store-1", 0)):
        body = {"code": code, "name": code, "safety_stock": safety}
        assert (await client.post("/locations", json=body, headers=auth)).status_code == 201
    bad = {"code": "x", "name": "x", "safety_stock": -1}
    assert (await client.post("/locations", json=bad, headers=auth)).status_code == 422
    listed = (await client.get("/locations", headers=auth)).json()["items"]
    assert {x["code"]: x["safety_stock"] for x in listed} == {"main": 1, "tpl": 0, "store-1": 0}

    movements = [
        {"kind": "receipt", "sku": "TEE", "location": loc, "quantity": n, "reason": "in"}
        for loc, n in (("main", 10), ("tpl", 3), ("store-1", 2))
    ]
    r = await client.post("/stock/movements", json={"movements": movements}, headers=auth)
    assert r.status_code == 201

    view = (await client.get("/stock/TEE", headers=auth)).json()
    assert view["available"] == 15  # on hand less reserved; safety stock is per channel
    channels = {c["channel"]: c for c in view["channels"]}
    assert set(channels) == {"amazon-de", "callcentre", "web"}  # ebay-de serves no stock
    assert channels["web"]["ats"] == channels["callcentre"]["ats"] == 14  # 9 + 3 + 2
    assert channels["amazon-de"] == {
        "channel": "amazon-de",
        "ats": 2,
        "terms": [
            {"term": "on_hand", "location": "main", "value": 10},
            {"term": "reserved", "location": "main", "value": 0},
            {"term": "safety_stock", "location": "main", "value": -1},
            {"term": "buffer", "value": -2},
            {"term": "share 50%", "value": -4},
            {"term": "cap 2", "value": -1},
        ],
    }
    web_terms = channels["web"]["terms"]
    assert {t["location"] for t in web_terms} == {"main", "tpl", "store-1"}
    assert sum(t["value"] for t in web_terms) == 14


async def test_a_channel_key_reads_its_own_figure_and_nothing_else(
    ats_client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    client = ats_client
    for code in ("main", "tpl"):
        r = await client.post("/locations", json={"code": code, "name": code}, headers=auth)
        assert r.status_code == 201
    movements = [
        {"kind": "receipt", "sku": "TEE", "location": loc, "quantity": n, "reason": "in"}
        for loc, n in (("main", 10), ("tpl", 3))
    ]
    r = await client.post("/stock/movements", json={"movements": movements}, headers=auth)
    assert r.status_code == 201
    amazon = await key(db, "amazon-bridge", "channel:amazon-de", "ats:read")
    ebay = await key(db, "ebay-bridge", "channel:ebay-de", "ats:read")
    reader = await key(db, "planner", "stock:read")

    r = await client.get("/stock/TEE/ats", headers=amazon)
    assert r.status_code == 200, r.text
    assert r.json() == {  # main only; summed over its locations, none of them named
        "sku": "TEE",
        "channel": "amazon-de",
        "ats": 2,
        "terms": [
            {"term": "on_hand", "value": 10},
            {"term": "reserved", "value": 0},
            {"term": "safety_stock", "value": 0},
            {"term": "buffer", "value": -2},
            {"term": "share 50%", "value": -4},
            {"term": "cap 2", "value": -2},
        ],
    }
    assert "tpl" not in r.text and "main" not in r.text
    for other in ("web", "callcentre"):
        got = await client.get("/stock/TEE/ats", params={"channel": other}, headers=amazon)
        assert got.status_code == 404, got.text
    for refused in ("/stock/TEE", "/stock/sync", "/locations", "/catalog/skus"):
        assert (await client.get(refused, headers=amazon)).status_code == 403, refused
    r = await client.get("/stock/TEE/ats", headers=ebay)  # stock_locations: [] sells none
    assert r.status_code == 404
    assert "offered no stock" in r.json()["detail"]

    web = await client.get("/stock/TEE/ats", params={"channel": "web"}, headers=reader)
    assert (web.status_code, web.json()["ats"]) == (200, 13)
    unnamed = await client.get("/stock/TEE/ats", headers=reader)
    assert unnamed.status_code == 422
    assert unnamed.json()["errors"][0]["field"] == "channel"


async def key(db: Database, name: str, *scopes: str) -> dict[str, str]:
    _, plain = await key_service.create(db, name, scopes)
    return {"Authorization": f"Bearer {plain}"}
