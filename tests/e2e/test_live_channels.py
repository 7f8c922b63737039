"""Every partner order payload through the live hub: webhook or poll, job, stored order.

Issue 3's "Done when": each payload in the shared partner set that is an order (Shopify,
WooCommerce, Square, Amazon, eBay) comes out of the real path - signed HTTP delivery or a
poll of the partner's API, kept as an inbound message, mapped by the worker - with the
canonical values of the payloads' README, read back over ``GET /orders/{id}``. The bodies
are the connectors' fixtures, byte copies of the shared payloads (signatures hold only over
the exact bytes). Partner APIs are faked at their edge with respx. A second delivery or poll
of the same document must not create a second order.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
import respx
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from connectors.amazon.tests import fake_amazon
from connectors.amazon.tests.fake_amazon import UNSHIPPED, FakeAmazon
from hub.api.app import create_app
from hub.bootstrap import Hub
from hub.config import Settings
from hub.sdk import hmac_sha256_base64
from hub.services.intake import polling
from hub.store.tables import inbound_messages, orders
from hub.worker import Worker

CONNECTORS = Path(__file__).resolve().parents[2] / "connectors"


def fixture(connector: str, name: str) -> bytes:
    return (CONNECTORS / connector / "fixtures" / name).read_bytes()


def signed_headers(connector: str, name: str) -> dict[str, Any]:
    return dict(json.loads(fixture(connector, name)))


SHOPIFY_BODY = fixture("shopify", "orders_create.json")
SHOPIFY = signed_headers("shopify", "orders_create.headers.json")
WOO_BODY = fixture("woocommerce", "order_created.json")
WOO = signed_headers("woocommerce", "order_created.headers.json")
SQUARE_BODY = fixture("square", "order_updated_webhook.json")
SQUARE = signed_headers("square", "order_updated_webhook.headers.json")
SQUARE_ORDER = fixture("square", "order.json")
SQUARE_CATALOG = fixture("square", "catalog.json")
EBAY_ORDERS = fixture("ebay", "getorders.json")

SQUARE_BASE = "https://square.fake.test"
SQUARE_ORDER_ID = "pM8aL2xQ7vTkR4nYcW1bHs9EfZdJ"
SQUARE_TOKEN = "EAAA-test-access-token"
EBAY_BASE = "https://ebay.fake.test"
EBAY_TOKEN = "v^1.1#i^1#test-user-token"
FAST = {"rate": 1000.0, "burst": 1000.0}  # no token-bucket waits in a test

CONNECTIONS: dict[str, Any] = {
    "connections": [
        {
            "code": "shopify-eu",
            "connector": "shopify",
            "secrets": {"webhook_secret": {"env": "LIVE_SHOPIFY_SECRET"}},
        },
        {
            "code": "woo-uk",
            "connector": "woocommerce",
            "secrets": {"webhook_secret": {"env": "LIVE_WOO_SECRET"}},
        },
        {
            "code": "square-pos",
            "connector": "square",
            "base_url": SQUARE_BASE,
            "settings": {"notification_url": SQUARE["notification_url"]},
            "secrets": {
                "signature_key": {"env": "LIVE_SQUARE_SIGNATURE_KEY"},
                "access_token": {"env": "LIVE_SQUARE_ACCESS_TOKEN"},
            },
        },
        {
            "code": "amazon-us",
            "connector": "amazon",
            "base_url": fake_amazon.BASE,
            "settings": {
                "marketplace_ids": ["ATVPDKIKX0DER"],
                "start": "2025-03-14T00:00:00Z",
                "lwa_url": fake_amazon.LWA_URL,
                "rate_limits": {"getOrders": FAST, "getOrderItems": FAST},
            },
            "secrets": {
                "refresh_token": {"env": "LIVE_AMAZON_REFRESH_TOKEN"},
                "client_id": {"env": "LIVE_AMAZON_CLIENT_ID"},
                "client_secret": {"env": "LIVE_AMAZON_CLIENT_SECRET"},
            },
        },
        {
            "code": "ebay-at",
            "connector": "ebay",
            "base_url": EBAY_BASE,
            "settings": {"start": "2025-03-14T00:00:00Z"},
            "secrets": {"access_token": {"env": "LIVE_EBAY_ACCESS_TOKEN"}},
        },
    ]
}
ENV = {
    "LIVE_SHOPIFY_SECRET": SHOPIFY["secret"],
    "LIVE_WOO_SECRET": WOO["secret"],
    "LIVE_SQUARE_SIGNATURE_KEY": SQUARE["secret"],
    "LIVE_SQUARE_ACCESS_TOKEN": SQUARE_TOKEN,
    "LIVE_AMAZON_REFRESH_TOKEN": fake_amazon.SECRETS["refresh_token"],
    "LIVE_AMAZON_CLIENT_ID": fake_amazon.SECRETS["client_id"],
    "LIVE_AMAZON_CLIENT_SECRET": fake_amazon.SECRETS["client_secret"],
    "LIVE_EBAY_ACCESS_TOKEN": EBAY_TOKEN,
}


@pytest.fixture
def hub_settings(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    config = tmp_path / "hub.yaml"
    config.write_text(json.dumps(CONNECTIONS))  # JSON is YAML
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    return msgspec.structs.replace(settings, config_path=str(config))


@pytest.fixture
async def hub_client(hub_settings: Settings) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=create_app(hub_settings, run_worker=False)) as client:
        yield client


@pytest.fixture
async def hub(hub_settings: Settings) -> AsyncIterator[Hub]:
    """The hub as a worker process builds it, in the test's own event loop."""
    built = Hub.build(hub_settings)
    await built.start()
    yield built
    await built.close()


@pytest.fixture
def square() -> Iterator[respx.MockRouter]:
    """Square's API at its edge: RetrieveOrder and BatchRetrieveCatalogObjects."""
    with respx.mock(assert_all_called=False) as router:
        router.get(f"{SQUARE_BASE}/v2/orders/{SQUARE_ORDER_ID}").mock(
            return_value=httpx.Response(200, content=SQUARE_ORDER)
        )
        router.post(f"{SQUARE_BASE}/v2/catalog/batch-retrieve").mock(
            return_value=httpx.Response(200, content=SQUARE_CATALOG)
        )
        yield router


@pytest.fixture
def amazon() -> Iterator[FakeAmazon]:
    """LWA and the SP-API: page 1 is the shared getOrders and getOrderItems (one items page)."""
    with respx.mock(assert_all_called=False) as router:
        fake = FakeAmazon(router)
        fake.items_pages = {**fake.items_pages, (UNSHIPPED, None): "getorderitems.json"}
        yield fake


@pytest.fixture
def ebay() -> Iterator[respx.Route]:
    with respx.mock(assert_all_called=False) as router:
        yield router.get(url__startswith=f"{EBAY_BASE}/sell/fulfillment/v1/order").mock(
            return_value=httpx.Response(200, content=EBAY_ORDERS)
        )


async def run_jobs(hub: Hub) -> None:
    worker = Worker(hub.db, hub.registry, hub.settings, context=hub.job_context())
    while await worker.run_once():
        pass


async def deliver(
    client: AsyncTestClient, code: str, body: bytes, headers: dict[str, str]
) -> tuple[int, str]:
    r = await client.post(
        f"/webhooks/{code}", content=body, headers={**headers, "Content-Type": "application/json"}
    )
    return r.status_code, r.json()["status"]


async def order_count(hub: Hub, channel: str) -> int:
    query = select(func.count()).select_from(orders).where(orders.c.channel == channel)
    async with hub.db.read() as conn:
        return int((await conn.execute(query)).scalar_one())


async def the_order(
    hub: Hub, client: AsyncTestClient, auth: dict[str, str], channel: str, external_id: str
) -> dict[str, Any]:
    """The one order of the channel with that external id, over the API; every message of
    the connection processed (none quarantined)."""
    async with hub.db.read() as conn:
        messages = (
            await conn.execute(
                select(inbound_messages.c.status, inbound_messages.c.reason).where(
                    inbound_messages.c.connection == channel
                )
            )
        ).all()
        ids = (
            await conn.execute(
                select(orders.c.id).where(
                    orders.c.channel == channel, orders.c.external_id == external_id
                )
            )
        ).all()
    assert messages and all(m.status == "processed" for m in messages), messages
    [(order_id,)] = ids
    r = await client.get(f"/orders/{order_id}", headers=auth)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def lines(order: dict[str, Any]) -> list[tuple[str, int, int, int]]:
    return [(li["sku"], li["quantity"], li["unit_price"], li["discount"]) for li in order["lines"]]


def totals(order: dict[str, Any]) -> tuple[int, int, int, int, bool, int]:
    t = order["totals"]
    return t["subtotal"], t["discount"], t["shipping"], t["tax"], t["tax_included"], t["total"]


async def test_shopify_order_create_webhook(
    hub_client: AsyncTestClient, hub: Hub, auth: dict[str, str]
) -> None:
    assert await deliver(hub_client, "shopify-eu", SHOPIFY_BODY, SHOPIFY["headers"]) == (
        202, "accepted",
    )  # fmt: skip
    await run_jobs(hub)

    order = await the_order(hub, hub_client, auth, "shopify-eu", "5812345678901")
    assert (order["external_number"], order["currency"]) == ("#1042", "EUR")
    assert lines(order) == [("TEE-ORG-BLK-M", 2, 2900, 580), ("MUG-CER-350", 1, 1450, 145)]
    assert totals(order) == (7250, 725, 490, 1119, True, 7015)
    assert order["shipping"]["price"] == 490
    assert order["shipping_address"]["country"] == "DE"
    assert order["customer"]["name"] == "Renée Müller-Øberg"
    assert order["payment"]["status"] == "paid"

    # the same delivery again, and a redelivery of the same order as another event
    assert await deliver(hub_client, "shopify-eu", SHOPIFY_BODY, SHOPIFY["headers"]) == (
        200, "duplicate",
    )  # fmt: skip
    again = {**SHOPIFY["headers"], "X-Shopify-Event-Id": "evt-redelivered"}
    assert (await deliver(hub_client, "shopify-eu", SHOPIFY_BODY, again))[0] == 202
    await run_jobs(hub)
    assert await order_count(hub, "shopify-eu") == 1
    await the_order(hub, hub_client, auth, "shopify-eu", "5812345678901")


async def test_woocommerce_order_created_webhook(
    hub_client: AsyncTestClient, hub: Hub, auth: dict[str, str]
) -> None:
    assert await deliver(hub_client, "woo-uk", WOO_BODY, WOO["headers"]) == (202, "accepted")
    assert await order_count(hub, "woo-uk") == 0  # mapped in the job
    await run_jobs(hub)

    order = await the_order(hub, hub_client, auth, "woo-uk", "4821")
    assert order["currency"] == "GBP"
    assert [li[:3] for li in lines(order)] == [
        ("BEANIE-MER-GRY", 2, 1800),
        ("SCARF-WOOL-NVY", 1, 4500),
    ]
    assert sum(li[3] for li in lines(order)) == 810
    assert totals(order) == (8100, 810, 395, 1537, False, 9222)
    assert order["shipping_address"]["country"] == "GB"

    assert await deliver(hub_client, "woo-uk", WOO_BODY, WOO["headers"]) == (200, "duplicate")
    again = {**WOO["headers"], "X-WC-Webhook-Delivery-ID": "0" * 32}
    assert (await deliver(hub_client, "woo-uk", WOO_BODY, again))[0] == 202
    await run_jobs(hub)
    assert await order_count(hub, "woo-uk") == 1
    await the_order(hub, hub_client, auth, "woo-uk", "4821")


async def test_square_order_updated_webhook_fetches_the_order(
    hub_client: AsyncTestClient, hub: Hub, auth: dict[str, str], square: respx.MockRouter
) -> None:
    # the hub answers at /webhooks/square-pos; Square signed the subscription's URL (a setting)
    assert await deliver(hub_client, "square-pos", SQUARE_BODY, SQUARE["headers"]) == (
        202, "accepted",
    )  # fmt: skip
    await run_jobs(hub)

    order = await the_order(hub, hub_client, auth, "square-pos", SQUARE_ORDER_ID)
    assert order["currency"] == "USD"
    assert [li[:3] for li in lines(order)] == [("TOTE-CNV-NAT", 2, 1800), ("PIN-ENM-FOX", 1, 750)]
    assert sum(li[3] for li in lines(order)) == 500
    assert totals(order) == (4350, 500, 0, 342, False, 4192)
    assert order["shipping_address"] is None  # sold at the till
    assert order["status"] == "delivered"
    assert order["payment"]["status"] == "paid"
    fetch = square.calls.last.request
    assert fetch.headers["authorization"] == f"Bearer {SQUARE_TOKEN}"
    assert square.calls.call_count == 2  # the order, then its catalog variations

    assert await deliver(hub_client, "square-pos", SQUARE_BODY, SQUARE["headers"]) == (
        200, "duplicate",
    )  # fmt: skip
    # another notification (another event id) about the same order: fetched again, one order
    event_id = json.loads(SQUARE_BODY)["event_id"]
    body = SQUARE_BODY.replace(event_id.encode(), b"11111111-2222-3333-4444-555555555555")
    assert body != SQUARE_BODY
    url = SQUARE["notification_url"].encode()
    signature = hmac_sha256_base64(SQUARE["secret"], url + body)
    headers = {**SQUARE["headers"], "x-square-hmacsha256-signature": signature}
    assert (await deliver(hub_client, "square-pos", body, headers))[0] == 202
    await run_jobs(hub)
    assert square.calls.call_count == 4
    assert await order_count(hub, "square-pos") == 1
    await the_order(hub, hub_client, auth, "square-pos", SQUARE_ORDER_ID)


async def test_amazon_poll(
    hub_client: AsyncTestClient,
    hub: Hub,
    auth: dict[str, str],
    amazon: FakeAmazon,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    summary = await polling.poll(hub.job_context(), "amazon-us")
    assert summary.new >= 1
    await run_jobs(hub)

    order = await the_order(hub, hub_client, auth, "amazon-us", UNSHIPPED)
    assert order["currency"] == "USD"
    assert lines(order) == [("CBL-USBC-2M", 2, 1299, 0), ("CHG-GAN-65W", 1, 3299, 0)]
    assert (order["shipping"]["price"], order["shipping"]["discount"]) == (399, 399)
    assert totals(order) == (5897, 399, 399, 442, False, 6339)  # the shipping discount
    assert "marketplace_facilitator_tax" in order["tags"]
    assert order["shipping_address"]["country"] == "US"
    assert order["payment"]["status"] == "paid"
    assert amazon.token_forms[0]["grant_type"] == "refresh_token"

    # the next poll, a minute on (its window is then not empty), gets the same order again
    later = polling.utcnow() + timedelta(minutes=1)
    monkeypatch.setattr(polling, "utcnow", lambda: later)
    before = await order_count(hub, "amazon-us")
    again = await polling.poll(hub.job_context(), "amazon-us")
    assert again.new == 0 and again.seen >= 1
    await run_jobs(hub)
    assert await order_count(hub, "amazon-us") == before
    await the_order(hub, hub_client, auth, "amazon-us", UNSHIPPED)


async def test_ebay_poll(
    hub_client: AsyncTestClient, hub: Hub, auth: dict[str, str], ebay: respx.Route
) -> None:
    summary = await polling.poll(hub.job_context(), "ebay-at")
    assert (summary.pages, summary.new) == (1, 1)
    assert ebay.calls.last.request.headers["authorization"] == f"Bearer {EBAY_TOKEN}"
    await run_jobs(hub)

    order = await the_order(hub, hub_client, auth, "ebay-at", "12-11523-48291")
    assert order["currency"] == "EUR"
    assert [li[:3] for li in lines(order)] == [
        ("TRK-POLE-CARB", 2, 3490),
        ("HDL-LMP-400", 1, 2000),
    ]
    assert totals(order) == (8980, 0, 599, 0, True, 9579)  # VAT inside the prices
    assert order["shipping_address"]["country"] == "AT"
    assert order["payment"]["status"] == "paid"

    again = await polling.poll(hub.job_context(), "ebay-at")
    assert (again.new, again.seen) == (0, 1)
    await run_jobs(hub)
    assert await order_count(hub, "ebay-at") == 1
