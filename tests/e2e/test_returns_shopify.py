"""A Shopify order's return from end to end, over HTTP into the real app and worker, on
SQLite and PostgreSQL, with Shopify and EasyPost faked by respx at the partner's edge:

1. the order (the connector's signed ``orders/create`` fixture) ships from ``main``;
2. the buyer opens a return on the tracking page, unlocked by the postal code;
3. it is authorised with a parcel: EasyPost sells a return label (``is_return``);
4. it is received ``sellable`` at the store ``store-berlin``;
5. Shopify's stock for that SKU goes up by the unit, in one push;
6. ``refundCreate`` is sent once, although the first answer is lost and the job retried;
7. the order's timeline shows each step.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
import respx
from litestar.testing import AsyncTestClient
from sqlalchemy import update

from hub.api.app import create_app
from hub.bootstrap import Hub
from hub.clock import utcnow
from hub.config import Settings
from hub.store.tables import jobs
from hub.worker import Worker

CONNECTORS = Path(__file__).resolve().parents[2] / "connectors"
SHOPIFY = CONNECTORS / "shopify" / "fixtures"
EASYPOST = CONNECTORS / "easypost" / "fixtures"
CREATE = json.loads((SHOPIFY / "orders_create.headers.json").read_text())
SHOP, EP = "https://shop.fake.test", "https://easypost.fake.test"
GRAPHQL = f"{SHOP}/admin/api/2025-01/graphql.json"
SKU, LISTING = "TEE-ORG-BLK-M", "44700001"
CONFIG = {
    "connections": [
        {
            "code": "shopify-eu",
            "connector": "shopify",
            "base_url": SHOP,
            "settings": {"location_id": "7700001", "stock_calls_per_second": 100},
            "secrets": {
                "webhook_secret": {"env": "RET_SHOP_SECRET"},
                "access_token": {"env": "RET_SHOP_TOKEN"},
            },
        },
        {
            "code": "easypost",
            "connector": "easypost",
            "base_url": EP,
            "secrets": {
                "api_key": {"env": "RET_EP_KEY"},
                "webhook_secret": {"env": "RET_EP_SECRET"},
            },
        },
    ]
}
ADDRESS = {"line1": "Lager 1", "city": "Berlin", "postal_code": "10117", "country": "DE"}


@pytest.fixture
def hub_settings(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    (tmp_path / "hub.yaml").write_text(json.dumps(CONFIG))
    for name, value in (
        ("RET_SHOP_SECRET", CREATE["secret"]),
        ("RET_SHOP_TOKEN", "shpat_x"),
        ("RET_EP_KEY", "EZTK"),
        ("RET_EP_SECRET", "whsec"),
    ):
        monkeypatch.setenv(name, value)
    return msgspec.structs.replace(settings, config_path=str(tmp_path / "hub.yaml"))


@pytest.fixture
async def hub_client(hub_settings: Settings) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=create_app(hub_settings, run_worker=False)) as client:
        yield client


@pytest.fixture
async def hub(hub_settings: Settings) -> AsyncIterator[Hub]:
    built = Hub.build(hub_settings)
    await built.start()
    yield built
    await built.close()


class FakeShop:
    """Shopify's GraphQL endpoint: what each operation was sent, and the shop's refunds."""

    def __init__(self) -> None:
        self.sent: dict[str, list[Any]] = {}
        self.refunds: list[dict[str, Any]] = []
        self.lose_next_refund_answer = True

    def answer(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        query = body["query"]
        op = next(
            (
                w
                for w in (
                    "HubFulfillmentOrders",
                    "HubFulfillmentCreate",
                    "HubRefunds",
                    "HubRefundCreate",
                    "inventorySetQuantities",
                )
                if w in query
            ),
            "other",
        )
        self.sent.setdefault(op, []).append(body["variables"])
        if op == "HubFulfillmentOrders":
            return httpx.Response(
                200, content=(SHOPIFY / "graphql_order_fulfillment_orders.json").read_bytes()
            )
        if op == "HubFulfillmentCreate":
            return httpx.Response(
                200, content=(SHOPIFY / "graphql_fulfillment_create_ok.json").read_bytes()
            )
        if op == "inventorySetQuantities":
            return httpx.Response(
                200, content=(SHOPIFY / "graphql_inventory_set_ok.json").read_bytes()
            )
        if op == "HubRefunds":
            return httpx.Response(
                200,
                json={
                    "data": {
                        "order": {
                            "id": "gid://shopify/Order/5812345678901",
                            "refunds": self.refunds,
                            "transactions": [
                                {
                                    "id": "gid://shopify/OrderTransaction/700",
                                    "gateway": "shopify_payments",
                                    "kind": "SALE",
                                    "status": "SUCCESS",
                                }
                            ],
                            "lineItems": {"nodes": []},
                        }
                    }
                },
            )
        if op == "HubRefundCreate":
            made = {
                "id": f"gid://shopify/Refund/{len(self.refunds) + 1}",
                "note": body["variables"]["input"]["note"],
                "transactions": {"nodes": [{"id": "gid://shopify/OrderTransaction/701"}]},
            }
            self.refunds.append(made)
            if self.lose_next_refund_answer:  # Shopify made it; the answer never arrives
                self.lose_next_refund_answer = False
                return httpx.Response(503)
            return httpx.Response(
                200, json={"data": {"refundCreate": {"refund": made, "userErrors": []}}}
            )
        return httpx.Response(200, json={"data": {}})

    def pushed(self) -> list[int]:
        return [
            q["quantity"]
            for v in self.sent.get("inventorySetQuantities", [])
            for q in v["input"]["quantities"]
            if q["inventoryItemId"] == f"gid://shopify/InventoryItem/{LISTING}"
        ]


@pytest.fixture
def partners() -> Iterator[tuple[FakeShop, list[Any]]]:
    shop, labels = FakeShop(), []
    created = json.loads((EASYPOST / "shipment_created.json").read_text())
    bought = json.loads((EASYPOST / "shipment_bought.json").read_text())

    def create(request: httpx.Request) -> httpx.Response:
        labels.append(json.loads(request.content))
        return httpx.Response(201, json=created)

    with respx.mock(assert_all_called=False) as router:
        router.post(GRAPHQL).mock(side_effect=shop.answer)
        router.post(f"{EP}/v2/shipments").mock(side_effect=create)
        router.post(url__regex=rf"^{EP}/v2/shipments/[^/]+/buy$").mock(
            return_value=httpx.Response(200, json=bought)
        )
        router.get(bought["postage_label"]["label_url"]).mock(
            return_value=httpx.Response(200, content=b"\x89PNG label")
        )
        yield shop, labels


async def run_jobs(hub: Hub, *, due_now: bool = False) -> None:
    if due_now:  # a retry waits its backoff; make it due
        async with hub.db.write() as conn:
            await conn.execute(update(jobs).where(jobs.c.state != "done").values(run_at=utcnow()))
    worker = Worker(hub.db, hub.registry, hub.settings, context=hub.job_context())
    while await worker.run_once():
        pass


async def ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json() if "json" in r.headers.get("content-type", "") else r.text


async def test_a_shopify_return_from_the_tracking_page_to_the_refund(
    hub_client: AsyncTestClient,
    hub: Hub,
    auth: dict[str, str],
    partners: tuple[FakeShop, list[Any]],
) -> None:
    shop, labels = partners
    c = hub_client
    await ok(
        await c.post(
            "/locations",
            json={"code": "main", "name": "Main", "priority": 1, "address": ADDRESS},
            headers=auth,
        ),
        201,
    )
    await ok(
        await c.post(
            "/locations",
            json={"code": "store-berlin", "name": "Store", "kind": "store", "priority": 2},
            headers=auth,
        ),
        201,
    )
    moves = [
        {"kind": "receipt", "sku": s, "location": "main", "quantity": 10, "reason": "in"}
        for s in (SKU, "MUG-CER-350")
    ]
    await ok(await c.post("/stock/movements", json={"movements": moves}, headers=auth), 201)
    skus = {"skus": [{"sku": SKU, "name": "Tee", "listings": {"shopify-eu": LISTING}}]}
    assert (await c.put("/catalog/skus", json=skus, headers=auth)).status_code < 300

    # 1. the order comes and ships from main
    body = (SHOPIFY / "orders_create.json").read_bytes()
    hooked = await c.post(
        "/webhooks/shopify-eu",
        content=body,
        headers={**CREATE["headers"], "Content-Type": "application/json"},
    )
    assert hooked.status_code == 202, hooked.text
    await run_jobs(hub)
    (f,) = (await ok(await c.get("/fulfilments", headers=auth)))["items"]
    ship = {"carrier": "DHL", "tracking_number": "JD0001"}
    await ok(await c.post(f"/fulfilments/{f['id']}/shipments", json=ship, headers=auth), 201)
    await run_jobs(hub)
    order = await ok(await c.get(f"/orders/{f['order_id']}", headers=auth))
    assert order["status"] == "shipped"

    # 2. the buyer opens a return of one T-shirt
    ref = order["public_ref"]
    page = await c.post(f"/track/{ref}/return", data={"unlock": "10119"})
    assert page.status_code == 200 and 'name="qty_0"' in page.text
    form = {"unlock": "10119", "qty_0": "1", "reason": "size_or_fit"}
    assert "is requested" in await ok(await c.post(f"/track/{ref}/return", data=form))
    (ret,) = (await ok(await c.get("/returns", headers=auth)))["items"]
    rid = ret["id"]

    # 3. authorised: a return label from EasyPost
    got = await ok(
        await c.post(
            f"/returns/{rid}/authorise", json={"parcel": {"weight_grams": 400}}, headers=auth
        )
    )
    assert (got["status"], got["location"]) == ("authorised", "main")
    await run_jobs(hub)
    assert [b["shipment"]["is_return"] for b in labels] == [True]
    got = await ok(await c.get(f"/returns/{rid}", headers=auth))
    assert got["label"]["tracking_number"] and got["label"]["connection"] == "easypost"

    # 4. + 5. received sellable at the store: one push, one unit more
    before = shop.pushed()
    receive = {
        "location": "store-berlin",
        "lines": [{"sku": SKU, "quantity": 1, "grade": "sellable"}],
    }
    assert (await ok(await c.post(f"/returns/{rid}/receive", json=receive, headers=auth)))[
        "status"
    ] == "received"
    await run_jobs(hub)
    after = shop.pushed()[len(before) :]
    assert after == [before[-1] + 1]

    # 6. refundCreate once, though its first answer was lost
    got = await ok(await c.post(f"/returns/{rid}/refund", json={}, headers=auth))
    assert got["refund"]["state"] == "queued" and got["refund"]["amount"] > 0
    await run_jobs(hub)  # the answer is lost: the job waits to be retried
    await run_jobs(hub, due_now=True)  # the retry finds the refund made and records it
    await run_jobs(hub, due_now=True)
    assert len(shop.sent["HubRefundCreate"]) == 1
    sent = shop.sent["HubRefundCreate"][0]["input"]
    assert sent["refundLineItems"] == [
        {
            "lineItemId": "gid://shopify/LineItem/14123456789011",
            "quantity": 1,
            "restockType": "NO_RESTOCK",
        }
    ]
    assert sent["transactions"][0]["parentId"] == "gid://shopify/OrderTransaction/700"
    got = await ok(await c.get(f"/returns/{rid}", headers=auth))
    assert (got["status"], got["refund"]["state"]) == ("refunded", "recorded")
    order = await ok(await c.get(f"/orders/{f['order_id']}", headers=auth))
    assert order["payment"]["refunded"] == got["refund"]["amount"]

    # 7. the timeline
    kinds = [e["kind"] for e in order["timeline"] if e["kind"].startswith("return_")]
    assert kinds == [
        "return_requested",
        "return_authorised",
        "return_label",
        "return_received",
        "return_refund_queued",
        "return_refunded",
    ]
