"""Mapping a notification: the order and its catalog variations fetched, with respx at
Square's edge; a line without a SKU quarantined, and a replay after the fix succeeding."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import respx

from connectors.square import connector
from hub.sdk import Connection, FatalError, MappingError, PartnerHttp, RetriableError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
NOTIFICATION = (FIXTURES / "order_updated_webhook.json").read_bytes()
ORDER = (FIXTURES / "order.json").read_bytes()
CATALOG = (FIXTURES / "catalog.json").read_bytes()
CATALOG_MISSING_SKU = (FIXTURES / "catalog_missing_sku.json").read_bytes()
BASE = "https://connect.squareup.com"
ORDER_URL = f"{BASE}/v2/orders/pM8aL2xQ7vTkR4nYcW1bHs9EfZdJ"
CATALOG_URL = f"{BASE}/v2/catalog/batch-retrieve"
TOKEN = "EAAA-test-access-token"
CONNECTION = Connection(
    code="square-pos",
    connector="square",
    settings={"notification_url": "https://oms.example.com/webhooks/square"},
    secrets={"signature_key": "test_square_signature_key_0000", "access_token": TOKEN},
)


@pytest.fixture
async def http() -> AsyncIterator[PartnerHttp]:
    async with httpx.AsyncClient() as client:
        yield PartnerHttp(client, attempts=3, max_wait=5.0, backoff=0.001)


async def from_message(http: PartnerHttp, body: bytes = NOTIFICATION) -> list:
    return await connector.orders_from_message(CONNECTION, body, "order.updated", http)


@respx.mock
async def test_the_order_and_its_variations_are_fetched_and_mapped(http: PartnerHttp) -> None:
    order_route = respx.get(ORDER_URL).mock(return_value=httpx.Response(200, content=ORDER))
    catalog_route = respx.post(CATALOG_URL).mock(return_value=httpx.Response(200, content=CATALOG))
    [reported] = await from_message(http)
    for route in (order_route, catalog_route):
        headers = route.calls.last.request.headers
        assert headers["authorization"] == f"Bearer {TOKEN}"
        assert headers["square-version"] == "2025-08-20"
    assert json.loads(catalog_route.calls.last.request.content) == {
        "object_ids": ["2DSZ3LBRW5OVVN3TXRNEJJOK", "UQ6YDM5F4ARH7XAVO3ZPAOPD"],
        "include_related_objects": False,
    }
    assert reported.state == "fulfilled"
    assert reported.order.external_id == "pM8aL2xQ7vTkR4nYcW1bHs9EfZdJ"
    assert reported.order.channel == "square-pos"
    assert [(li.sku, li.quantity) for li in reported.order.lines] == [
        ("TOTE-CNV-NAT", 2),
        ("PIN-ENM-FOX", 1),
    ]
    assert reported.order.totals.total == 4192


@respx.mock
async def test_a_line_without_sku_is_quarantined_and_a_replay_after_the_fix_maps(
    http: PartnerHttp,
) -> None:
    respx.get(ORDER_URL).mock(return_value=httpx.Response(200, content=ORDER))
    catalog = respx.post(CATALOG_URL).mock(
        side_effect=[
            httpx.Response(200, content=CATALOG_MISSING_SKU),
            httpx.Response(200, content=CATALOG),
        ]
    )
    with pytest.raises(MappingError) as err:
        await from_message(http)
    assert err.value.field == "lines[1].sku"
    assert "Hc7pX2nL5sQe8Wm3vRt0Ka" in str(err.value)
    assert "UQ6YDM5F4ARH7XAVO3ZPAOPD" in str(err.value)
    [reported] = await from_message(http)  # the replay, once the SKU is set in Square
    assert reported.order.lines[1].sku == "PIN-ENM-FOX"
    assert catalog.call_count == 2


@respx.mock
async def test_a_variation_square_does_not_return_is_a_mapping_error(http: PartnerHttp) -> None:
    respx.get(ORDER_URL).mock(return_value=httpx.Response(200, content=ORDER))
    respx.post(CATALOG_URL).mock(return_value=httpx.Response(200, json={}))
    with pytest.raises(MappingError) as err:
        await from_message(http)
    assert err.value.field == "lines[0].sku"


@respx.mock
async def test_a_custom_amount_line_is_a_mapping_error_naming_it(http: PartnerHttp) -> None:
    order = json.loads(ORDER)
    del order["order"]["line_items"][1]["catalog_object_id"]
    respx.get(ORDER_URL).mock(return_value=httpx.Response(200, json=order))
    catalog = respx.post(CATALOG_URL).mock(return_value=httpx.Response(200, content=CATALOG))
    with pytest.raises(MappingError) as err:
        await from_message(http)
    assert err.value.field == "lines[1].sku"
    assert "no catalog object" in str(err.value)
    assert json.loads(catalog.calls.last.request.content)["object_ids"] == [
        "2DSZ3LBRW5OVVN3TXRNEJJOK"
    ]


@respx.mock
async def test_429_and_5xx_are_retried(http: PartnerHttp) -> None:
    order = respx.get(ORDER_URL).mock(
        side_effect=[
            httpx.Response(429, json={"errors": [{"code": "RATE_LIMITED"}]}),
            httpx.Response(200, content=ORDER),
        ]
    )
    catalog = respx.post(CATALOG_URL).mock(
        side_effect=[httpx.Response(503), httpx.Response(200, content=CATALOG)]
    )
    [reported] = await from_message(http)
    assert (order.call_count, catalog.call_count) == (2, 2)
    assert reported.order.totals.total == 4192


@respx.mock
@pytest.mark.parametrize("status", [401, 403, 404])
async def test_4xx_is_fatal_at_once(http: PartnerHttp, status: int) -> None:
    route = respx.get(ORDER_URL).mock(
        return_value=httpx.Response(status, json={"errors": [{"detail": "private detail"}]})
    )
    with pytest.raises(FatalError) as err:
        await from_message(http)
    assert route.call_count == 1
    assert "private detail" not in str(err.value) and TOKEN not in str(err.value)


@respx.mock
async def test_an_answer_that_is_not_json_is_retriable(http: PartnerHttp) -> None:
    respx.get(ORDER_URL).mock(return_value=httpx.Response(200, text="<html>"))
    with pytest.raises(RetriableError):
        await from_message(http)


async def test_a_notification_without_an_order_id_is_a_mapping_error(http: PartnerHttp) -> None:
    with pytest.raises(MappingError):
        await from_message(http, b'{"type": "order.updated", "event_id": "e", "data": {}}')
    with pytest.raises(MappingError):
        await from_message(http, b"<html>")


@respx.mock
async def test_base_url_and_square_version_come_from_the_connection(http: PartnerHttp) -> None:
    sandbox = "https://connect.squareupsandbox.com"
    order = respx.get(url__startswith=f"{sandbox}/v2/orders/").mock(
        return_value=httpx.Response(200, content=ORDER)
    )
    respx.post(f"{sandbox}/v2/catalog/batch-retrieve").mock(
        return_value=httpx.Response(200, content=CATALOG)
    )
    conn = Connection(
        code="square-pos",
        connector="square",
        settings={"square_version": "2025-10-16"},
        secrets={"access_token": TOKEN},
        base_url=sandbox,
    )
    await connector.orders_from_message(conn, NOTIFICATION, "order.updated", http)
    assert order.calls.last.request.headers["square-version"] == "2025-10-16"


async def test_a_missing_access_token_is_fatal(http: PartnerHttp) -> None:
    conn = Connection(code="square-pos", connector="square", secrets={"signature_key": "k"})
    with pytest.raises(FatalError, match="access_token"):
        await connector.orders_from_message(conn, NOTIFICATION, "order.updated", http)


@pytest.mark.parametrize("body", [b"{}", b'{"errors": []}'])
@respx.mock
async def test_an_answer_without_the_order_is_retried_later(http: PartnerHttp, body: bytes) -> None:
    respx.get(ORDER_URL).mock(return_value=httpx.Response(200, content=body))
    with pytest.raises(RetriableError, match="holds no order"):
        await from_message(http)
