"""Exchanges over HTTP on both databases: a return resolved ``exchange`` names replacement
lines (another SKU here); authorising it makes a no-charge order linked to the original
(``link_kind`` exchange) whose stock is reserved at once. On a channel that releases
exchanges ``on_receipt`` it waits on hold until the return is received, then is routed to
fulfilment; on one that says ``at_once`` it is routed straight away. Unknown SKUs are a 422
naming the field; nothing is refunded for exchanged units; both timelines show it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from hub.api.app import create_app
from hub.bootstrap import Hub
from hub.config import Settings
from hub.store.tables import orders
from hub.worker import Worker
from tests.e2e.test_fulfilment_api import location, order, receive
from tests.support.channels import with_channels

Auth = dict[str, str]


@pytest.fixture
def ex_settings(settings: Settings, tmp_path: Path) -> Settings:
    return with_channels(settings, tmp_path, "shop-now",
                         settings_of={"shop-now": {"exchange_release": "at_once"}})  # fmt: skip


@pytest.fixture
async def c(ex_settings: Settings) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=create_app(ex_settings, run_worker=False)) as client:
        yield client


@pytest.fixture
async def hub(ex_settings: Settings) -> AsyncIterator[Hub]:
    built = Hub.build(ex_settings)
    await built.start()
    yield built
    await built.close()


async def run_jobs(hub: Hub) -> None:
    worker = Worker(hub.db, hub.registry, hub.settings, context=hub.job_context())
    while await worker.run_once():
        pass


async def shipped(c: AsyncTestClient, auth: Auth, hub: Hub, ref: str, channel: str) -> Any:
    body = order(ref, ("TEE", 2))
    body["channel"] = channel
    r = await c.post("/orders", json=body, headers=auth)
    assert r.status_code == 201, r.text
    await run_jobs(hub)
    (f,) = await fulfilments_of(c, auth, r.json()["id"])
    ship = {"carrier": "DHL", "tracking_number": f"T-{ref}"}
    assert (await c.post(f"/fulfilments/{f['id']}/shipments", json=ship, headers=auth)).is_success
    await run_jobs(hub)
    return r.json()


async def fulfilments_of(c: AsyncTestClient, auth: Auth, order_id: str) -> list[Any]:
    items = (await c.get("/fulfilments?limit=200", headers=auth)).json()["items"]
    return [x for x in items if x["order_id"] == order_id]


async def stock_of(c: AsyncTestClient, auth: Auth, sku: str) -> tuple[int, int]:
    r = await c.get(f"/stock/{sku}", headers=auth)
    (main,) = [x for x in r.json()["locations"] if x["location"] == "main"]
    return main["on_hand"], main["reserved"]


async def link_of(hub: Hub, order_id: str) -> tuple[str | None, str | None]:
    async with hub.db.read() as conn:
        row = (await conn.execute(select(orders.c.linked_order_id, orders.c.link_kind).where(
            orders.c.id == order_id))).one()  # fmt: skip
    return row.linked_order_id, row.link_kind


async def test_an_exchange_waits_for_the_return_then_ships(
    c: AsyncTestClient, hub: Hub, auth: Auth
) -> None:
    await location(c, auth, "main", priority=1)
    await receive(c, auth, ("TEE", "main", 10), ("MUG", "main", 10))
    made = await shipped(c, auth, hub, "EX-1", "callcentre")
    oid = made["id"]
    bad = {"lines": [{"sku": "TEE", "quantity": 1}], "reason": "size_or_fit",
           "resolution": "exchange", "exchange": [{"sku": "NOPE", "quantity": 1}]}  # fmt: skip
    r = await c.post(f"/orders/{oid}/returns", json=bad, headers=auth)
    assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "exchange[0].sku")
    r = await c.post(f"/orders/{oid}/returns", json={**bad, "exchange": None}, headers=auth)
    assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "exchange")
    assert (await c.get("/returns", headers=auth)).json()["items"] == []

    body = {**bad, "exchange": [{"sku": "MUG", "quantity": 1}]}
    r = await c.post(f"/orders/{oid}/returns", json=body, headers=auth)
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    assert r.json()["exchange"] == [{"sku": "MUG", "quantity": 1}]
    got = (await c.post(f"/returns/{rid}/authorise", json={}, headers=auth)).json()
    new = got["exchange_order_id"]
    assert new and got["status"] == "authorised"
    await run_jobs(hub)
    assert await link_of(hub, new) == (oid, "exchange")
    ex = (await c.get(f"/orders/{new}", headers=auth)).json()
    assert (ex["status"], ex["totals"]["total"], ex["lines"][0]["sku"]) == ("on_hold", 0, "MUG")
    assert await stock_of(c, auth, "MUG") == (10, 1)  # reserved at once, not shipped
    assert await fulfilments_of(c, auth, new) == []

    one = {"location": "main", "lines": [{"sku": "TEE", "quantity": 1, "grade": "sellable"}]}
    r = await c.post(f"/returns/{rid}/receive", json=one, headers=auth)
    assert (r.status_code, r.json()["status"]) == (200, "received")
    await run_jobs(hub)
    ex = (await c.get(f"/orders/{new}", headers=auth)).json()
    assert ex["status"] == "released"
    kinds = [e["kind"] for e in ex["timeline"]]
    assert "exchange" in kinds and kinds[-1] == "release"
    hold = next(e for e in ex["timeline"] if e["kind"] == "hold")
    assert hold["detail"]["reason"] == "awaiting_return"
    r = await c.post(f"/returns/{rid}/refund", json={}, headers=auth)
    assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "resolution")
    timeline = (await c.get(f"/orders/{oid}", headers=auth)).json()["timeline"]
    exchange = [e["detail"] for e in timeline if e["kind"] == "return_exchange"]
    assert exchange[0]["exchange_order"] == new and exchange[1]["released"] is True
    got = (await c.get(f"/orders/{oid}", headers=auth)).json()
    assert got["payment"].get("refunded", 0) == 0


async def test_an_exchange_ships_at_once_where_the_policy_says_so(
    c: AsyncTestClient, hub: Hub, auth: Auth
) -> None:
    await location(c, auth, "main", priority=1)
    await receive(c, auth, ("TEE", "main", 10))
    made = await shipped(c, auth, hub, "EX-2", "shop-now")
    body = {"lines": [{"sku": "TEE", "quantity": 1}], "reason": "defective",
            "resolution": "exchange", "exchange": [{"sku": "TEE", "quantity": 1}]}  # fmt: skip
    rid = (await c.post(f"/orders/{made['id']}/returns", json=body, headers=auth)).json()["id"]
    new = (await c.post(f"/returns/{rid}/authorise", json={}, headers=auth)).json()[
        "exchange_order_id"
    ]
    await run_jobs(hub)
    ex = (await c.get(f"/orders/{new}", headers=auth)).json()
    assert ex["status"] == "released"
    again = (await c.post(f"/returns/{rid}/authorise", json={}, headers=auth)).status_code
    assert again == 409  # authorised once; the exchange order is made once


async def test_cancelling_the_return_cancels_its_waiting_exchange(
    c: AsyncTestClient, hub: Hub, auth: Auth
) -> None:
    await location(c, auth, "main", priority=1)
    await receive(c, auth, ("TEE", "main", 10), ("MUG", "main", 10))
    made = await shipped(c, auth, hub, "EX-3", "callcentre")
    body = {"lines": [{"sku": "TEE", "quantity": 1}], "reason": "size_or_fit",
            "resolution": "exchange", "exchange": [{"sku": "MUG", "quantity": 2}]}  # fmt: skip
    rid = (await c.post(f"/orders/{made['id']}/returns", json=body, headers=auth)).json()["id"]
    new = (await c.post(f"/returns/{rid}/authorise", json={}, headers=auth)).json()[
        "exchange_order_id"
    ]
    await run_jobs(hub)
    assert await stock_of(c, auth, "MUG") == (10, 2)
    r = await c.post(f"/returns/{rid}/cancel", json={"reason": "changed mind"}, headers=auth)
    assert (r.status_code, r.json()["status"]) == (200, "cancelled")
    assert (await c.get(f"/orders/{new}", headers=auth)).json()["status"] == "cancelled"
    assert await stock_of(c, auth, "MUG") == (10, 0)
    timeline = (await c.get(f"/orders/{made['id']}", headers=auth)).json()["timeline"]
    assert [e["detail"].get("exchange") for e in timeline if e["kind"] == "return_exchange"] == [
        None, "cancelled",
    ]  # fmt: skip
