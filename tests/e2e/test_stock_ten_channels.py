"""Issue 4's "done when": one receipt over the HTTP API reaches ten channels, once each.

Ten connections of the real connectors (two each of Shopify, WooCommerce, Square, Amazon and
eBay), each with its own base URL faked by respx at the partner's edge, and each with its
own stock rules (share, cap, buffer) so that the ten figures differ. One SKU is listed on all
ten. A receipt posted to ``POST /stock/movements`` and the worker run until idle must give
exactly one stock call per partner API, carrying that channel's figure in that partner's
wire shape.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
import respx
from litestar.testing import AsyncTestClient

from connectors.amazon.tests import fake_amazon
from hub.api.app import create_app
from hub.bootstrap import Hub
from hub.config import Settings
from hub.services import stock_sync
from hub.store import stock_sync as store
from hub.worker import Worker

CONNECTORS = Path(__file__).resolve().parents[2] / "connectors"
SKU = "TEE-ORG-BLK-M"
RECEIVED = 40
FAST = {"stock_calls_per_second": 100}  # no token-bucket waits in a test
KEY = re.compile(r"^[0-9a-f]{40}$")  # the hub's idempotency key


def base(code: str) -> str:
    return f"https://{code}.fake.test"


def lwa(code: str) -> str:
    return f"https://{code}.lwa.test/auth/o2/token"


# code -> (connector, stock rules, listing id, the figure those rules give for 40 on hand)
CHANNELS: dict[str, tuple[str, dict[str, Any], str, int]] = {
    "shopify-eu": ("shopify", {}, "44700001", 40),
    "shopify-us": ("shopify", {"stock_share": 50}, "44700002", 20),
    "woo-uk": ("woocommerce", {"stock_cap": 7}, "101", 7),
    "woo-de": ("woocommerce", {"stock_buffer": 5}, "200:456", 35),
    "square-pos": ("square", {"stock_share": 25}, "2DSZ3LBRW5OVVN3TXRNEJJOK", 10),
    "square-web": ("square", {"stock_buffer": 3, "stock_cap": 30}, "UQ6YDM5F4ARH7XAVO3ZPAOP", 30),
    "amazon-us": ("amazon", {"stock_share": 10}, "AMZ-TEE-BLK-M", 4),
    "amazon-de": ("amazon", {"stock_buffer": 39}, "AMZ-TEE-BLK-M-DE", 1),
    "ebay-de": ("ebay", {"stock_cap": 12}, "5000000001", 12),
    "ebay-us": ("ebay", {"stock_share": 60}, "5000000002", 24),
}
SETTINGS: dict[str, dict[str, Any]] = {
    "shopify": {"location_id": "7700001"},
    "woocommerce": {},
    "square": {"location_id": "L8K2T6Q3XVZ9A"},
    "amazon": {"marketplace_ids": ["A1PA6795UKMFR9"], "seller_id": "A2EXAMPLESELLER"},
    "ebay": {},
}
SECRETS: dict[str, dict[str, str]] = {
    "shopify": {"access_token": "shpat_test_token"},
    "woocommerce": {"consumer_key": "ck_test_key", "consumer_secret": "cs_test_secret"},
    "square": {"access_token": "EAAA-test-access-token"},
    "amazon": dict(fake_amazon.SECRETS),
    "ebay": {"access_token": "v^1.1#i^1#test-user-token"},
}


def env_name(code: str, secret: str) -> str:
    return f"STOCK10_{code}_{secret}".upper().replace("-", "_")


def config() -> dict[str, Any]:
    connections = []
    for code, (connector, rules, _, _) in CHANNELS.items():
        settings = {**SETTINGS[connector], **rules, **FAST}
        if connector == "amazon":
            settings["lwa_url"] = lwa(code)
        connections.append(
            {
                "code": code,
                "connector": connector,
                "base_url": base(code),
                "settings": settings,
                "secrets": {s: {"env": env_name(code, s)} for s in SECRETS[connector]},
            }
        )
    return {"connections": connections}


@pytest.fixture
def hub_settings(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    path = tmp_path / "hub.yaml"
    path.write_text(json.dumps(config()))  # JSON is YAML
    for code, (connector, _, _, _) in CHANNELS.items():
        for secret, value in SECRETS[connector].items():
            monkeypatch.setenv(env_name(code, secret), value)
    return msgspec.structs.replace(settings, config_path=str(path))


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


def fixture(connector: str, name: str) -> bytes:
    return (CONNECTORS / connector / "fixtures" / name).read_bytes()


def woo_echo(request: httpx.Request) -> httpx.Response:
    """WooCommerce's batch answer: each updated object back."""
    return httpx.Response(200, json={"update": json.loads(request.content)["update"]})


def ebay_taken(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content)
    answers = []
    for r in body["requests"]:
        answers.append({"statusCode": 200, "sku": r["sku"]})
        answers += [{"statusCode": 200, "sku": r["sku"], "offerId": o["offerId"]}
                    for o in r.get("offers", [])]  # fmt: skip
    return httpx.Response(200, json={"responses": answers})


def lwa_token(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=fixture("amazon", "lwa_token.json"))


@pytest.fixture
def partners() -> Iterator[dict[str, respx.Route]]:
    """Each channel's stock endpoint, by connection code (LWA token routes aside)."""
    routes: dict[str, respx.Route] = {}
    with respx.mock(assert_all_called=False) as router:
        for code, (connector, _, listing, _) in CHANNELS.items():
            url = base(code)
            if connector == "shopify":
                route = router.post(f"{url}/admin/api/2025-01/graphql.json").mock(
                    return_value=httpx.Response(
                        200, content=fixture("shopify", "graphql_inventory_set_ok.json")
                    )
                )
            elif connector == "woocommerce":
                path = "products/batch"
                if ":" in listing:
                    path = f"products/{listing.split(':')[0]}/variations/batch"
                route = router.post(f"{url}/wp-json/wc/v3/{path}").mock(side_effect=woo_echo)
            elif connector == "square":
                route = router.post(f"{url}/v2/inventory/changes/batch-create").mock(
                    return_value=httpx.Response(
                        200, content=fixture("square", "inventory_changes_answer.json")
                    )
                )
            elif connector == "amazon":
                router.post(lwa(code)).mock(side_effect=lwa_token)
                seller = SETTINGS["amazon"]["seller_id"]
                route = router.patch(
                    url__startswith=f"{url}/listings/2021-08-01/items/{seller}/{listing}"
                ).mock(
                    return_value=httpx.Response(
                        200, content=fixture("amazon", "listings_patch_accepted.json")
                    )
                )
            else:
                route = router.post(f"{url}/sell/inventory/v1/bulk_update_price_quantity").mock(
                    side_effect=ebay_taken
                )
            routes[code] = route
        yield routes


async def run_jobs(hub: Hub) -> None:
    worker = Worker(hub.db, hub.registry, hub.settings, context=hub.job_context())
    while await worker.run_once():
        pass


def sent(route: respx.Route) -> tuple[httpx.Request, Any]:
    [call] = route.calls
    return call.request, json.loads(call.request.content)


def assert_wire(code: str, request: httpx.Request, body: Any) -> None:
    """The one call carries this channel's figure, in its partner's wire shape."""
    connector, _, listing, figure = CHANNELS[code]
    secrets = SECRETS[connector]
    if connector == "shopify":
        assert request.headers["X-Shopify-Access-Token"] == secrets["access_token"]
        given = body["variables"]["input"]
        assert given.pop("referenceDocumentUri").startswith("gid://order-hub/StockPush/")
        assert given == {
            "name": "available",
            "reason": "correction",
            "ignoreCompareQuantity": True,
            "quantities": [
                {
                    "inventoryItemId": f"gid://shopify/InventoryItem/{listing}",
                    "locationId": "gid://shopify/Location/7700001",
                    "quantity": figure,
                }
            ],
        }
    elif connector == "woocommerce":
        assert request.headers["Authorization"].startswith("Basic ")
        item = int(listing.split(":")[-1])
        assert body == {"update": [{"id": item, "manage_stock": True, "stock_quantity": figure}]}
    elif connector == "square":
        assert request.headers["Authorization"] == f"Bearer {secrets['access_token']}"
        assert KEY.match(body["idempotency_key"])
        [change] = body["changes"]
        change["physical_count"].pop("occurred_at")
        assert change == {
            "type": "PHYSICAL_COUNT",
            "physical_count": {
                "catalog_object_id": listing,
                "location_id": "L8K2T6Q3XVZ9A",
                "quantity": str(figure),
                "state": "IN_STOCK",
            },
        }
    elif connector == "amazon":
        assert request.method == "PATCH"
        assert request.url.path == f"/listings/2021-08-01/items/A2EXAMPLESELLER/{listing}"
        assert dict(request.url.params) == {"marketplaceIds": "A1PA6795UKMFR9"}
        assert request.headers["x-amz-access-token"]
        assert body == {
            "productType": "PRODUCT",
            "patches": [
                {
                    "op": "replace",
                    "path": "/attributes/fulfillment_availability",
                    "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": figure}],
                }
            ],
        }
    else:
        assert request.headers["Authorization"] == f"Bearer {secrets['access_token']}"
        assert body == {
            "requests": [
                {
                    "sku": SKU,
                    "shipToLocationAvailability": {"quantity": figure},
                    "offers": [{"offerId": listing, "availableQuantity": figure}],
                }
            ]
        }


async def test_one_receipt_reaches_ten_channels_once_each(
    hub_client: AsyncTestClient,
    hub: Hub,
    auth: dict[str, str],
    partners: dict[str, respx.Route],
) -> None:
    assert sorted(t.code for t in stock_sync.targets(hub.connections)) == sorted(CHANNELS)
    r = await hub_client.post("/locations", json={"code": "main", "name": "Main"}, headers=auth)
    assert r.status_code == 201, r.text
    listings = {code: listing for code, (_, _, listing, _) in CHANNELS.items()}
    r = await hub_client.put(
        "/catalog/skus", json={"skus": [{"sku": SKU, "name": "Tee", "listings": listings}]},
        headers=auth,
    )  # fmt: skip
    assert r.status_code < 300, r.text
    await run_jobs(hub)  # the new listing's figure, 0, goes to each channel first
    assert {code: route.call_count for code, route in partners.items()} == dict.fromkeys(
        CHANNELS, 1
    )
    for route in partners.values():
        route.reset()

    movement = {"kind": "receipt", "sku": SKU, "location": "main", "quantity": RECEIVED,
                "reason": "delivery"}  # fmt: skip
    r = await hub_client.post("/stock/movements", json={"movements": [movement]}, headers=auth)
    assert r.status_code < 300, r.text
    await run_jobs(hub)

    assert {code: route.call_count for code, route in partners.items()} == dict.fromkeys(
        CHANNELS, 1
    )
    for code, route in partners.items():
        request, body = sent(route)
        assert_wire(code, request, body)
    async with hub.db.read() as conn:
        rows = await conn.run_sync(lambda c: store.state(c, sku=SKU))
    assert {r.connection: (r.pending, r.pushed_quantity, r.last_error) for r in rows} == {
        code: (False, figure, None) for code, (_, _, _, figure) in CHANNELS.items()
    }
