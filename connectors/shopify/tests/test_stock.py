"""Stock to Shopify (inventorySetQuantities) and back (nodes -> inventoryLevel), with respx."""

from __future__ import annotations

import traceback
from dataclasses import replace
from typing import Any

import httpx
import pytest
import respx

from connectors.shopify import connector
from connectors.shopify.stock import NO_LISTING, READ_BATCH_SIZE
from connectors.shopify.tests.graphql_helpers import (
    CONNECTION,
    SETTINGS,
    TOKEN,
    URL,
    answer,
    assert_graphql_request,
    body,
)
from hub.sdk import (
    Capability,
    Connection,
    FatalError,
    PartnerHttp,
    PushesShipments,
    PushesStock,
    ReadsStock,
    RetriableError,
    StockFigure,
)

LOCATION = "gid://shopify/Location/7700001"
TEE = StockFigure(sku="TEE-ORG-BLK-M", listing_id="44700001", quantity=17)
MUG = StockFigure(sku="MUG-CER-350", listing_id="44700002", quantity=0)
UNLISTED = StockFigure(sku="CAP-NEW-RED", listing_id=None, quantity=4)


def with_settings(**changes: Any) -> Connection:
    settings = {k: v for k, v in {**SETTINGS, **changes}.items() if v is not None}
    return replace(CONNECTION, settings=settings)


async def push(
    figures: list[StockFigure], connection: Connection = CONNECTION, key: str = "batch-42"
) -> Any:
    async with httpx.AsyncClient() as client:
        http = PartnerHttp(client, backoff=0.001)
        return await connector.push_stock(connection, figures, http, idempotency_key=key)


async def read(figures: list[StockFigure], connection: Connection = CONNECTION) -> Any:
    async with httpx.AsyncClient() as client:
        return await connector.read_stock(connection, figures, PartnerHttp(client, backoff=0.001))


def quantity(item: str, qty: int) -> dict[str, Any]:
    return {"inventoryItemId": f"gid://shopify/InventoryItem/{item}", "locationId": LOCATION,
            "quantity": qty}  # fmt: skip


def test_declares_exactly_the_protocols_it_implements() -> None:
    assert {Capability.PUSH_STOCK, Capability.READ_STOCK, Capability.PUSH_SHIPMENT} <= (
        connector.capabilities
    )
    assert isinstance(connector, PushesStock)
    assert isinstance(connector, ReadsStock)
    assert isinstance(connector, PushesShipments)
    assert connector.stock_batch_size == 250
    assert connector.stock_calls_per_second == 2.0


async def test_push_stock_sends_one_inventory_set_quantities() -> None:
    with respx.mock(assert_all_called=True) as router:
        route = router.post(URL).mock(return_value=answer("graphql_inventory_set_ok.json"))
        result = await push([TEE, UNLISTED, MUG])
    assert route.call_count == 1
    sent = assert_graphql_request(route.calls.last.request)
    assert "inventorySetQuantities(input: $input)" in sent["query"]
    assert "@idempotent" not in sent["query"]  # 2025-01 has no such directive
    assert sent["variables"] == {
        "input": {
            "name": "available",
            "reason": "correction",
            "referenceDocumentUri": "gid://order-hub/StockPush/batch-42",
            "ignoreCompareQuantity": True,
            "quantities": [quantity("44700001", 17), quantity("44700002", 0)],
        }
    }
    assert result.rejected == {"CAP-NEW-RED": NO_LISTING}


async def test_listing_and_location_given_as_gids_are_kept() -> None:
    figure = StockFigure(sku="TEE", listing_id="gid://shopify/InventoryItem/5", quantity=1)
    connection = with_settings(location_id=LOCATION)
    with respx.mock(assert_all_called=True) as router:
        route = router.post(URL).mock(return_value=answer("graphql_inventory_set_ok.json"))
        await push([figure], connection)
    [sent] = body(route.calls.last.request)["variables"]["input"]["quantities"]
    assert sent == quantity("5", 1)


async def test_a_numeric_location_setting_is_accepted() -> None:
    with respx.mock(assert_all_called=True) as router:
        route = router.post(URL).mock(return_value=answer("graphql_inventory_set_ok.json"))
        await push([TEE], with_settings(location_id=7700001))
    [sent] = body(route.calls.last.request)["variables"]["input"]["quantities"]
    assert sent["locationId"] == LOCATION


async def test_newer_api_versions_get_the_idempotent_directive_and_change_from_quantity() -> None:
    url = URL.replace("2025-01", "2026-04")
    with respx.mock(assert_all_called=True) as router:
        route = router.post(url).mock(return_value=answer("graphql_inventory_set_ok.json"))
        await push([TEE], with_settings(api_version="2026-04"))
    sent = assert_graphql_request(route.calls.last.request, url)
    assert (
        "inventorySetQuantities(input: $input) @idempotent(key: $idempotencyKey)" in (sent["query"])
    )
    assert sent["variables"]["idempotencyKey"] == "batch-42"
    payload = sent["variables"]["input"]
    assert "ignoreCompareQuantity" not in payload
    assert payload["quantities"] == [{**quantity("44700001", 17), "changeFromQuantity": None}]


async def test_a_full_batch_of_250_goes_in_one_call() -> None:
    figures = [
        StockFigure(sku=f"SKU-{i}", listing_id=str(1000 + i), quantity=i) for i in range(250)
    ]
    with respx.mock(assert_all_called=True) as router:
        route = router.post(URL).mock(return_value=answer("graphql_inventory_set_ok.json"))
        result = await push(figures)
    assert route.call_count == 1
    sent = body(route.calls.last.request)["variables"]["input"]["quantities"]
    assert [q["quantity"] for q in sent] == list(range(250))
    assert result.rejected == {}


async def test_more_than_the_batch_size_is_refused_before_any_call() -> None:
    figures = [StockFigure(sku=f"SKU-{i}", listing_id=str(i), quantity=1) for i in range(251)]
    with respx.mock(assert_all_called=False) as router:
        route = router.post(URL)
        with pytest.raises(ValueError, match="250"):
            await push(figures)
    assert route.call_count == 0


async def test_figures_without_listing_only_make_no_call() -> None:
    with respx.mock(assert_all_called=False) as router:
        route = router.post(URL)
        result = await push([UNLISTED])
    assert route.call_count == 0
    assert result.rejected == {"CAP-NEW-RED": NO_LISTING}


async def test_a_user_error_on_one_quantity_rejects_that_sku_and_sends_the_rest_again() -> None:
    with respx.mock(assert_all_called=True) as router:
        route = router.post(URL).mock(
            side_effect=[
                answer("graphql_inventory_set_rejected.json"),
                answer("graphql_inventory_set_ok.json"),
            ]
        )
        result = await push([TEE, MUG])
    assert result.rejected == {"MUG-CER-350": "Shopify refused it (INVALID_INVENTORY_ITEM)"}
    assert route.call_count == 2
    again = body(route.calls[1].request)["variables"]["input"]
    assert again["quantities"] == [quantity("44700001", 17)]
    assert again["referenceDocumentUri"] == "gid://order-hub/StockPush/batch-42%3A1"


async def test_other_user_errors_are_fatal_and_name_the_code_not_the_message() -> None:
    with respx.mock(assert_all_called=True) as router:
        router.post(URL).mock(return_value=answer("graphql_inventory_set_other_error.json"))
        with pytest.raises(FatalError) as err:
            await push([TEE])
    assert "INVALID_REASON at input.reason" in str(err.value)
    assert "specified reason" not in str(err.value)


async def test_throttled_is_retriable_with_the_wait_from_the_cost_block() -> None:
    with respx.mock(assert_all_called=True) as router:
        route = router.post(URL).mock(return_value=answer("graphql_throttled.json"))
        with pytest.raises(RetriableError) as err:
            await push([TEE])
    # (requested 752 - available 552) / restore 100 per second
    assert err.value.retry_after == pytest.approx(2.0)
    assert route.call_count == 1  # handed back to the job queue, not spun on here


async def test_throttled_without_a_cost_block_has_no_wait_hint() -> None:
    throttled = {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]}
    with respx.mock(assert_all_called=True) as router:
        router.post(URL).mock(return_value=httpx.Response(200, json=throttled))
        with pytest.raises(RetriableError) as err:
            await push([TEE])
    assert err.value.retry_after is None


async def test_other_graphql_errors_are_fatal_without_the_message() -> None:
    with respx.mock(assert_all_called=True) as router:
        router.post(URL).mock(return_value=answer("graphql_access_denied.json"))
        with pytest.raises(FatalError) as err:
            await push([TEE])
    assert "ACCESS_DENIED" in str(err.value)
    assert "write_inventory" not in str(err.value)


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
async def test_429_and_5xx_are_retried_by_partner_http(status: int) -> None:
    with respx.mock(assert_all_called=True) as router:
        route = router.post(URL).mock(
            side_effect=[httpx.Response(status), answer("graphql_inventory_set_ok.json")]
        )
        result = await push([TEE])
    assert route.call_count == 2
    assert body(route.calls[0].request) == body(route.calls[1].request)
    assert result.rejected == {}


async def test_refused_credentials_are_fatal_without_the_token() -> None:
    with respx.mock(assert_all_called=True) as router:
        route = router.post(URL).mock(
            return_value=httpx.Response(
                401, json={"errors": f"[API] Invalid API key or access token ({TOKEN})"}
            )
        )
        with pytest.raises(FatalError) as err:
            await push([TEE])
    assert route.call_count == 1
    assert err.value.status_code == 401
    text = "".join(traceback.format_exception(err.value))
    assert TOKEN not in text
    assert "Invalid API key" not in text


async def test_a_missing_access_token_is_fatal_and_named() -> None:
    connection = replace(CONNECTION, secrets={})
    with pytest.raises(FatalError, match="'access_token'"):
        await push([TEE], connection)


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"location_id": None}, "location_id"),
        ({"location_id": "warehouse-1"}, "location_id"),
        ({"shop_domain": None}, "shop_domain"),
        ({"api_version": "latest"}, "api_version"),
        ({"api_version": 2025}, "api_version"),
    ],
)
async def test_a_wrong_or_missing_setting_is_fatal_and_named(
    changes: dict[str, Any], named: str
) -> None:
    with respx.mock(assert_all_called=False) as router:
        route = router.post(url__regex=r".*")
        with pytest.raises(FatalError) as err:
            await push([TEE], with_settings(**changes))
    assert named in str(err.value)
    assert route.call_count == 0


async def test_the_connection_base_url_replaces_the_shop_domain() -> None:
    connection = replace(with_settings(shop_domain=None), base_url="http://127.0.0.1:8999/")
    url = "http://127.0.0.1:8999/admin/api/2025-01/graphql.json"
    with respx.mock(assert_all_called=True) as router:
        route = router.post(url).mock(return_value=answer("graphql_inventory_set_ok.json"))
        await push([TEE], connection)
    assert_graphql_request(route.calls.last.request, url)


async def test_read_stock_gives_the_available_quantity_per_sku() -> None:
    gone = StockFigure(sku="OLD-SKU", listing_id="44700009", quantity=3)
    not_here = StockFigure(sku="HAT-WOL-GRN", listing_id="44700003", quantity=5)
    with respx.mock(assert_all_called=True) as router:
        route = router.post(URL).mock(return_value=answer("graphql_read_stock.json"))
        shown = await read([TEE, MUG, not_here, gone, UNLISTED])
    assert shown == {"TEE-ORG-BLK-M": 17, "MUG-CER-350": 0}
    assert route.call_count == 1
    sent = assert_graphql_request(route.calls.last.request)
    assert "nodes(ids: $ids)" in sent["query"]
    assert "inventoryLevel(locationId: $locationId)" in sent["query"]
    assert 'quantities(names: ["available"])' in sent["query"]
    assert sent["variables"] == {
        "ids": [f"gid://shopify/InventoryItem/{i}" for i in ("44700001", "44700002",
                                                              "44700003", "44700009")],
        "locationId": LOCATION,
    }  # fmt: skip


async def test_read_stock_asks_in_as_few_queries_as_the_cost_limit_allows() -> None:
    figures = [StockFigure(sku=f"SKU-{i}", listing_id=str(i), quantity=1) for i in range(150)]
    with respx.mock(assert_all_called=True) as router:
        route = router.post(URL).mock(
            return_value=httpx.Response(200, json={"data": {"nodes": []}})
        )
        assert await read(figures) == {}
    sizes = [len(body(call.request)["variables"]["ids"]) for call in route.calls]
    assert sizes == [READ_BATCH_SIZE, 150 - READ_BATCH_SIZE]


async def test_read_stock_without_listings_makes_no_call() -> None:
    with respx.mock(assert_all_called=False) as router:
        route = router.post(URL)
        assert await read([UNLISTED]) == {}
    assert route.call_count == 0


async def test_read_stock_throttled_is_retriable() -> None:
    with respx.mock(assert_all_called=True) as router:
        router.post(URL).mock(return_value=answer("graphql_throttled.json"))
        with pytest.raises(RetriableError):
            await read([TEE])
