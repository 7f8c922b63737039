"""Issue 5's chain, end to end, with the shared partner payloads.

The Amazon order is polled in, reserved, routed by the rules file to the ShipBob location,
sent to ShipBob, shipped by ShipBob's signed ``order.shipped`` webhook, confirmed back to
Amazon with the USPS tracking number, moved to in transit by EasyPost's signed
``tracker.updated`` event, and shown on the public tracking page. Partner APIs are faked
at their edge with respx; everything between is the real hub: HTTP API, database (both
kinds), outbox and worker. The bodies are the connectors' fixtures: byte copies of the
shared payloads, whose signatures hold only over the exact bytes.
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

from connectors.amazon.tests import fake_amazon
from connectors.amazon.tests.fake_amazon import UNSHIPPED, FakeAmazon
from connectors.shipbob.tests.support import FakeShipBob
from hub.api.app import create_app
from hub.bootstrap import Hub
from hub.config import Settings
from hub.sdk import hmac_sha256_hex
from hub.services.intake import polling
from hub.worker import Worker

CONNECTORS = Path(__file__).resolve().parents[2] / "connectors"
SIGNED = json.loads(
    (CONNECTORS / "shipbob/fixtures/order_shipped_webhook.headers.json").read_text()
)
SHIPBOB_BODY = (CONNECTORS / "shipbob/fixtures/order_shipped_webhook.json").read_bytes()
EASYPOST_BODY = (CONNECTORS / "easypost/fixtures/tracker_updated.json").read_bytes()
EASYPOST = json.loads((CONNECTORS / "easypost/fixtures/tracker_updated.headers.json").read_text())
TRACKING = "9400111206213859143427"
FAST = {"rate": 1000.0, "burst": 1000.0}

RULES = """
rules:
  - name: amazon-to-shipbob
    when: {channel: [amazon-us], country: [US]}
    strategy: {locations: [shipbob-il], ship_complete: required}
default:
  strategy: {ship_complete: preferred}
"""

CONFIG: dict[str, Any] = {
    "connections": [
        {
            "code": "amazon-us",
            "connector": "amazon",
            "base_url": fake_amazon.BASE,
            "settings": {
                "marketplace_ids": ["ATVPDKIKX0DER"],
                "start": "2025-03-14T00:00:00Z",
                "lwa_url": fake_amazon.LWA_URL,
                "seller_id": "A2TESTSELLER",
                "rate_limits": {
                    "getOrders": FAST,
                    "getOrderItems": FAST,
                    "confirmShipment": FAST,
                },
            },
            "secrets": {
                "refresh_token": {"env": "CHAIN_AMAZON_REFRESH_TOKEN"},
                "client_id": {"env": "CHAIN_AMAZON_CLIENT_ID"},
                "client_secret": {"env": "CHAIN_AMAZON_CLIENT_SECRET"},
            },
        },
        {
            "code": "shipbob",
            "connector": "shipbob",
            "settings": {"channel_id": "100102", "webhook_tolerance_seconds": 10**10},
            "secrets": {
                "access_token": {"env": "CHAIN_SHIPBOB_TOKEN"},
                "webhook_secret": {"env": "CHAIN_SHIPBOB_WEBHOOK_SECRET"},
            },
        },
        {
            "code": "easypost",
            "connector": "easypost",
            "secrets": {
                "api_key": {"env": "CHAIN_EASYPOST_KEY"},
                "webhook_secret": {"env": "CHAIN_EASYPOST_WEBHOOK_SECRET"},
            },
        },
    ]
}
ENV = {
    "CHAIN_AMAZON_REFRESH_TOKEN": fake_amazon.SECRETS["refresh_token"],
    "CHAIN_AMAZON_CLIENT_ID": fake_amazon.SECRETS["client_id"],
    "CHAIN_AMAZON_CLIENT_SECRET": fake_amazon.SECRETS["client_secret"],
    "CHAIN_SHIPBOB_TOKEN": "pat-chain-test",
    "CHAIN_SHIPBOB_WEBHOOK_SECRET": SIGNED["secret"],
    "CHAIN_EASYPOST_KEY": "EZTK-chain-test",
    "CHAIN_EASYPOST_WEBHOOK_SECRET": EASYPOST["secret"],
}


@pytest.fixture
def chain_settings(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    config = tmp_path / "hub.yaml"
    config.write_text(json.dumps(CONFIG))
    rules = tmp_path / "routing.yaml"
    rules.write_text(RULES)
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    return msgspec.structs.replace(settings, config_path=str(config), routing_path=str(rules))


@pytest.fixture
async def client(chain_settings: Settings) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=create_app(chain_settings, run_worker=False)) as c:
        yield c


@pytest.fixture
async def hub(chain_settings: Settings) -> AsyncIterator[Hub]:
    built = Hub.build(chain_settings)
    await built.start()
    yield built
    await built.close()


class Partners:
    def __init__(self, router: respx.MockRouter) -> None:
        self.confirmations: list[tuple[str, Any]] = []
        router.post(url__regex=r"/orders/v0/orders/[^/]+/shipmentConfirmation$").mock(
            side_effect=self._confirm
        )
        self.amazon = FakeAmazon(router)
        self.amazon.items_pages = {
            **self.amazon.items_pages,
            (UNSHIPPED, None): "getorderitems.json",
        }
        self.shipbob = FakeShipBob()
        self.shipbob.install(router)

    def _confirm(self, request: httpx.Request) -> httpx.Response:
        self.confirmations.append((request.url.path, json.loads(request.content)))
        return httpx.Response(204)


@pytest.fixture
def partners() -> Iterator[Partners]:
    with respx.mock(assert_all_called=False) as router:
        yield Partners(router)


async def run_jobs(hub: Hub) -> None:
    worker = Worker(hub.db, hub.registry, hub.settings, context=hub.job_context())
    while await worker.run_once():
        pass


async def test_amazon_order_to_shipbob_to_buyer(
    client: AsyncTestClient, auth: dict[str, str], hub: Hub, partners: Partners
) -> None:
    for code, priority in (("shipbob-il", 1), ("own-nj", 2)):
        body: dict[str, Any] = {"code": code, "name": code, "priority": priority}
        body |= {"kind": "3pl", "connection": "shipbob", "country": "US", "region": "IL"}
        if code == "own-nj":
            body |= {"kind": "own", "connection": None, "region": "NJ"}
        assert (await client.post("/locations", json=body, headers=auth)).status_code == 201
    movements = [
        {"kind": "receipt", "sku": sku, "location": loc, "quantity": n, "reason": "opening"}
        for sku, loc, n in [
            ("CBL-USBC-2M", "shipbob-il", 10),
            ("CHG-GAN-65W", "shipbob-il", 4),
            ("CBL-USBC-2M", "own-nj", 50),  # more at own-nj: the rule, not the stock, decides
            ("CHG-GAN-65W", "own-nj", 50),
        ]
    ]
    r = await client.post("/stock/movements", json={"movements": movements}, headers=auth)
    assert r.status_code == 201, r.text

    # Polled in, reserved, routed and released, sent to ShipBob.
    await polling.poll(hub.job_context(), "amazon-us")
    await run_jobs(hub)
    page = (await client.get("/orders?channel=amazon-us", headers=auth)).json()
    order_id = next(o["id"] for o in page["items"] if o["external_id"] == UNSHIPPED)
    order = (await client.get(f"/orders/{order_id}", headers=auth)).json()
    assert order["status"] == "released"
    route = next(e for e in order["timeline"] if e["kind"] == "route")
    assert route["detail"]["rule"] == "amazon-to-shipbob"
    assert [f["location"] for f in route["detail"]["fulfilments"]] == ["shipbob-il"]
    fulfilment_id = route["detail"]["fulfilments"][0]["id"]
    assert list(partners.shipbob.orders) == [fulfilment_id]  # reference_id: the fulfilment
    sent = partners.shipbob.orders[fulfilment_id]
    assert sorted((p["reference_id"], p["quantity"]) for p in sent["products"]) == [
        ("CBL-USBC-2M", 2),
        ("CHG-GAN-65W", 1),
    ]
    fulfilment = (await client.get(f"/fulfilments/{fulfilment_id}", headers=auth)).json()
    assert (fulfilment["status"], fulfilment["partner_ref"]) == ("accepted", str(sent["id"]))
    stock = (await client.get("/stock/CBL-USBC-2M", headers=auth)).json()
    assert {x["location"]: x["reserved"] for x in stock["locations"]} == {
        "shipbob-il": 2,
        "own-nj": 0,
    }

    # ShipBob's signed webhook: shipped (its reference_id is the Amazon order id).
    r = await client.post(
        "/webhooks/shipbob",
        content=SHIPBOB_BODY,
        headers={**SIGNED["headers"], "Content-Type": "application/json"},
    )
    assert r.status_code == 202, r.text
    await run_jobs(hub)
    order = (await client.get(f"/orders/{order_id}", headers=auth)).json()
    assert order["status"] == "shipped"
    stock = (await client.get("/stock/CBL-USBC-2M", headers=auth)).json()
    at_shipbob = next(x for x in stock["locations"] if x["location"] == "shipbob-il")
    assert (at_shipbob["on_hand"], at_shipbob["reserved"]) == (8, 0)

    # Confirmed back to Amazon with the USPS tracking number, each item once.
    assert len(partners.confirmations) == 1
    path, confirmation = partners.confirmations[0]
    assert path == f"/orders/v0/orders/{UNSHIPPED}/shipmentConfirmation"
    package = confirmation["packageDetail"]
    assert (package["carrierCode"], package["trackingNumber"]) == ("USPS", TRACKING)
    assert sorted(i["quantity"] for i in package["orderItems"]) == [1, 2]

    # EasyPost's signed tracker event: in transit, with the estimated delivery.
    r = await client.post(
        "/webhooks/easypost",
        content=EASYPOST_BODY,
        headers={**EASYPOST["headers"], "Content-Type": "application/json"},
    )
    assert r.status_code == 202, r.text
    await run_jobs(hub)

    # The buyer's page: no key, the parcel, and no personal data.
    public_ref = order["public_ref"]
    r = await client.get(f"/track/{public_ref}")
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["status"] == "shipped"
    assert len(page["parcels"]) == 1
    parcel = page["parcels"][0]
    assert (parcel["carrier"], parcel["tracking_number"], parcel["status"]) == (
        "USPS",
        TRACKING,
        "in_transit",
    )
    assert parcel["estimated_delivery"] == "2025-03-17"
    assert parcel["tracking_url"].startswith("https://tools.usps.com/")
    assert parcel["items"] == 3
    text = r.text
    for personal in ("Dana", "Whitfield", "Oak St", "43205", "614-555"):
        assert personal not in text
    assert (await client.get("/track/NOSUCHREFERENCE")).status_code == 404

    kinds = [
        e["kind"]
        for e in (await client.get(f"/orders/{order_id}", headers=auth)).json()["timeline"]
    ]
    assert kinds[-5:] == ["fulfilment_sent", "shipment", "status", "shipment_confirmed", "tracking"]

    # The same webhooks again change nothing.
    for body, headers in ((SHIPBOB_BODY, SIGNED["headers"]), (EASYPOST_BODY, EASYPOST["headers"])):
        code = "shipbob" if body is SHIPBOB_BODY else "easypost"
        r = await client.post(
            f"/webhooks/{code}",
            content=body,
            headers={**headers, "Content-Type": "application/json"},
        )
        assert r.status_code == 200
    await run_jobs(hub)
    assert len(partners.confirmations) == 1
    assert len(partners.shipbob.orders) == 1

    # EasyPost reports the parcel delivered (a new event, signed as EasyPost signs): the
    # order is delivered, and so says the buyer's page.
    event = json.loads(EASYPOST_BODY)
    event["id"] = "evt_delivered_0001"
    event["result"] |= {"status": "delivered", "status_detail": "arrived_at_destination"}
    body = json.dumps(event).encode()
    signature = "hmac-sha256-hex=" + hmac_sha256_hex(EASYPOST["secret"].encode(), body)
    r = await client.post(
        "/webhooks/easypost",
        content=body,
        headers={"X-Hmac-Signature": signature, "Content-Type": "application/json"},
    )
    assert r.status_code == 202, r.text
    await run_jobs(hub)
    assert (await client.get(f"/orders/{order_id}", headers=auth)).json()["status"] == "delivered"
    page = (await client.get(f"/track/{public_ref}")).json()
    assert (page["status"], page["parcels"][0]["status"]) == ("delivered", "delivered")
