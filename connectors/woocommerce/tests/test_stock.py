"""Stock out to WooCommerce and read back, with respx at the store's REST API."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import respx

from connectors.woocommerce import connector
from hub.sdk import Connection, FatalError, PartnerHttp, StockFigure

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
API = "https://shop.example.com/wp-json/wc/v3"
KEY, SECRET = "ck_test_0123456789abcdef", "cs_test_fedcba9876543210"
CONNECTION = Connection(
    code="woo-uk",
    connector="woocommerce",
    settings={"store_url": "https://shop.example.com/"},
    secrets={"webhook_secret": "whsec", "consumer_key": KEY, "consumer_secret": SECRET},
)
BASIC = "Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()


@pytest.fixture
async def http() -> AsyncIterator[PartnerHttp]:
    async with httpx.AsyncClient() as client:
        yield PartnerHttp(client, attempts=3, max_wait=5.0, backoff=0.001)


def echo(request: httpx.Request) -> httpx.Response:
    """WooCommerce's batch answer: each updated object back, as it now is."""
    return httpx.Response(200, json={"update": json.loads(request.content)["update"]})


async def push(http: PartnerHttp, figures: list[StockFigure], conn: Connection = CONNECTION):
    return await connector.push_stock(conn, figures, http, idempotency_key="batch-1")


def test_batch_size_is_woocommerces_limit() -> None:
    assert connector.stock_batch_size == 100
    assert connector.stock_calls_per_second > 0


@respx.mock
async def test_simple_products_in_one_call_and_variations_one_call_per_parent(
    http: PartnerHttp,
) -> None:
    products = respx.post(f"{API}/products/batch").mock(side_effect=echo)
    parent_a = respx.post(f"{API}/products/200/variations/batch").mock(side_effect=echo)
    parent_b = respx.post(f"{API}/products/300/variations/batch").mock(side_effect=echo)
    result = await push(
        http,
        [
            StockFigure("BEANIE-MER-GRY", "101", 7),
            StockFigure("TEE-M", "200:456", 12),
            StockFigure("SCARF-WOOL-NVY", "102", 0),
            StockFigure("MUG-RED", "300:301", 3),
            StockFigure("TEE-L", "200:457", 4),
        ],
    )
    assert result.rejected == {}
    assert products.call_count == parent_a.call_count == parent_b.call_count == 1
    assert json.loads(products.calls.last.request.content) == {
        "update": [
            {"id": 101, "manage_stock": True, "stock_quantity": 7},
            {"id": 102, "manage_stock": True, "stock_quantity": 0},
        ]
    }
    assert json.loads(parent_a.calls.last.request.content) == {
        "update": [
            {"id": 456, "manage_stock": True, "stock_quantity": 12},
            {"id": 457, "manage_stock": True, "stock_quantity": 4},
        ]
    }
    assert json.loads(parent_b.calls.last.request.content) == {
        "update": [{"id": 301, "manage_stock": True, "stock_quantity": 3}]
    }
    for route in (products, parent_a, parent_b):
        assert route.calls.last.request.headers["authorization"] == BASIC


@respx.mock
async def test_250_figures_are_three_calls_of_at_most_100(http: PartnerHttp) -> None:
    route = respx.post(f"{API}/products/batch").mock(side_effect=echo)
    figures = [StockFigure(f"SKU-{i}", str(1000 + i), i) for i in range(250)]
    assert (await push(http, figures)).rejected == {}
    sizes = [len(json.loads(call.request.content)["update"]) for call in route.calls]
    assert sizes == [100, 100, 50]
    sent = [
        item["id"] for call in route.calls for item in json.loads(call.request.content)["update"]
    ]
    assert sent == [1000 + i for i in range(250)]


@respx.mock
async def test_refused_items_and_figures_without_listing_are_rejected(http: PartnerHttp) -> None:
    route = respx.post(f"{API}/products/batch").mock(
        return_value=httpx.Response(
            200, content=(FIXTURES / "products_batch_answer.json").read_bytes()
        )
    )
    result = await push(
        http,
        [
            StockFigure("BEANIE-MER-GRY", "101", 7),
            StockFigure("GONE", "999", 1),
            StockFigure("NO-LISTING", None, 5),
            StockFigure("BAD-LISTING", "abc", 5),
        ],
    )
    assert json.loads(route.calls.last.request.content)["update"] == [
        {"id": 101, "manage_stock": True, "stock_quantity": 7},
        {"id": 999, "manage_stock": True, "stock_quantity": 1},
    ]
    assert set(result.rejected) == {"GONE", "NO-LISTING", "BAD-LISTING"}
    assert "Invalid ID." not in result.rejected["GONE"]  # a code, not the partner's words


@respx.mock
async def test_an_item_with_error_is_rejected_for_its_sku(http: PartnerHttp) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        items = json.loads(request.content)["update"]
        items[1] = {"id": items[1]["id"], "error": {"code": "woocommerce_rest_invalid_id"}}
        return httpx.Response(200, json={"update": items})

    respx.post(f"{API}/products/200/variations/batch").mock(side_effect=answer)
    result = await push(http, [StockFigure("A", "200:1", 1), StockFigure("B", "200:2", 2)])
    assert result.rejected == {"B": "WooCommerce refused it (woocommerce_rest_invalid_id)"}


@respx.mock
async def test_nothing_to_send_makes_no_call(http: PartnerHttp) -> None:
    result = await push(http, [StockFigure("NO-LISTING", None, 5)])
    assert result.rejected.keys() == {"NO-LISTING"}
    assert respx.calls.call_count == 0


@respx.mock
async def test_401_is_fatal_without_secrets_in_the_message(http: PartnerHttp) -> None:
    route = respx.post(f"{API}/products/batch").mock(
        return_value=httpx.Response(
            401, json={"code": "woocommerce_rest_cannot_view", "message": KEY}
        )
    )
    with pytest.raises(FatalError) as raised:
        await push(http, [StockFigure("A", "1", 1)])
    assert route.call_count == 1
    assert raised.value.status_code == 401
    text = f"{raised.value!s} {raised.value!r}"
    assert KEY not in text and SECRET not in text and BASIC not in text


@respx.mock
async def test_a_5xx_is_retried_with_the_same_body(http: PartnerHttp) -> None:
    route = respx.post(f"{API}/products/batch").mock(
        side_effect=[httpx.Response(503), httpx.Response(200, json={"update": [{"id": 1}]})]
    )
    assert (await push(http, [StockFigure("A", "1", 1)])).rejected == {}
    assert route.call_count == 2
    assert route.calls[0].request.content == route.calls[1].request.content


async def test_missing_store_url_or_keys_is_fatal(http: PartnerHttp) -> None:
    no_url = Connection(code="woo", connector="woocommerce", secrets=CONNECTION.secrets)
    with pytest.raises(FatalError, match="store_url"):
        await push(http, [StockFigure("A", "1", 1)], no_url)
    no_key = Connection(
        code="woo", connector="woocommerce", base_url="https://shop.example.com", secrets={}
    )
    with pytest.raises(FatalError, match="consumer_key"):
        await push(http, [StockFigure("A", "1", 1)], no_key)


@respx.mock
async def test_read_stock_lists_products_and_variations_by_include(http: PartnerHttp) -> None:
    products = respx.get(f"{API}/products").mock(
        return_value=httpx.Response(200, content=(FIXTURES / "products_list.json").read_bytes())
    )
    variations = respx.get(f"{API}/products/200/variations").mock(
        return_value=httpx.Response(200, content=(FIXTURES / "variations_list.json").read_bytes())
    )
    found = await connector.read_stock(
        CONNECTION,
        [
            StockFigure("BEANIE-MER-GRY", "101", 9),
            StockFigure("SCARF-WOOL-NVY", "102", 1),
            StockFigure("TEE-ORG-BLK-M", "200:456", 12),
            StockFigure("TEE-ORG-BLK-L", "200:457", 3),
            StockFigure("UNKNOWN", "103", 1),
            StockFigure("NO-LISTING", None, 1),
        ],
        http,
    )
    # 102 does not manage stock (null), 103 is not in the answer: both left out
    assert found == {"BEANIE-MER-GRY": 7, "TEE-ORG-BLK-M": 12, "TEE-ORG-BLK-L": 0}
    assert dict(products.calls.last.request.url.params) == {
        "include": "101,102,103",
        "per_page": "100",
    }
    assert dict(variations.calls.last.request.url.params) == {
        "include": "456,457",
        "per_page": "100",
    }
    assert products.calls.last.request.headers["authorization"] == BASIC
