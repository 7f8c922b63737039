"""Stock to eBay (bulkUpdatePriceQuantity) and back (bulkGetInventoryItem): exact requests,
batches of 25, per-SKU refusals, retries, and no token in any error."""

from __future__ import annotations

import json
import traceback
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import respx

from connectors.ebay import connector
from hub.sdk import Connection, FatalError, PartnerHttp, RetriableError, StockFigure
from hub.sdk.testing import PartnerCall, check_partner_retries

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TOKEN = "v^1.1#i^1#test-user-token-do-not-leak"
CONNECTION = Connection(
    code="ebay-de", connector="ebay", settings={}, secrets={"access_token": TOKEN}
)
UPDATE = "https://api.ebay.com/sell/inventory/v1/bulk_update_price_quantity"
READ = "https://api.ebay.com/sell/inventory/v1/bulk_get_inventory_item"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as mock:
        yield mock


@pytest.fixture
async def http() -> AsyncIterator[PartnerHttp]:
    async with httpx.AsyncClient() as client:
        yield PartnerHttp(client, attempts=3, max_wait=5.0, backoff=0.001)


def all_taken(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content)
    return httpx.Response(
        200, json={"responses": [{"statusCode": 200, "sku": r["sku"]} for r in body["requests"]]}
    )


def assert_clean(exc: BaseException) -> None:
    text = "".join(traceback.format_exception(exc)) + repr(exc)
    assert TOKEN not in text and "test-user-token" not in text, text


async def push(http: PartnerHttp, *figures: StockFigure) -> object:
    return await connector.push_stock(CONNECTION, list(figures), http, idempotency_key="k-1")


async def test_the_request_sets_the_inventory_item_and_the_offer(
    http: PartnerHttp, router: respx.MockRouter
) -> None:
    route = router.post(UPDATE).mock(side_effect=all_taken)
    result = await push(
        http, StockFigure("TRK-POLE-CARB", "8**********4", 12), StockFigure("HDL-LMP-400", None, 0)
    )
    assert result.rejected == {}
    [call] = route.calls
    assert call.request.headers["authorization"] == f"Bearer {TOKEN}"
    assert call.request.headers["content-type"] == "application/json"
    assert json.loads(call.request.content) == {
        "requests": [
            {
                "sku": "TRK-POLE-CARB",
                "shipToLocationAvailability": {"quantity": 12},
                "offers": [{"offerId": "8**********4", "availableQuantity": 12}],
            },
            {"sku": "HDL-LMP-400", "shipToLocationAvailability": {"quantity": 0}},
        ]
    }


async def test_sixty_figures_are_three_calls_of_25_25_and_10(
    http: PartnerHttp, router: respx.MockRouter
) -> None:
    route = router.post(UPDATE).mock(side_effect=all_taken)
    figures = [StockFigure(f"SKU-{i:02d}", None, i) for i in range(60)]
    result = await push(http, *figures)
    assert result.rejected == {}
    sent = [[r["sku"] for r in json.loads(c.request.content)["requests"]] for c in route.calls]
    assert [len(batch) for batch in sent] == [25, 25, 10]
    assert [sku for batch in sent for sku in batch] == [f.sku for f in figures]
    assert connector.stock_batch_size == 25


async def test_skus_and_offers_ebay_refuses_are_rejected_one_by_one(
    http: PartnerHttp, router: respx.MockRouter
) -> None:
    router.post(UPDATE).mock(
        return_value=httpx.Response(207, content=fixture("bulk_update_price_quantity_207.json"))
    )
    result = await push(
        http,
        StockFigure("TRK-POLE-CARB", "8**********4", 12),
        StockFigure("DE-GONE-1", None, 3),
        StockFigure("HDL-LMP-400", "9**********1", 5),
    )
    assert result.rejected == {
        "DE-GONE-1": "ebay 404: errors 25702",
        "HDL-LMP-400": "ebay 400 (offer 9**********1): errors 25713",
    }
    assert all("not available" not in reason for reason in result.rejected.values())


async def test_429_is_retried_then_retriable_without_the_token(
    http: PartnerHttp, router: respx.MockRouter
) -> None:
    route = router.post(UPDATE).mock(return_value=httpx.Response(429, headers={"rlogid": TOKEN}))
    with pytest.raises(RetriableError) as raised:
        await push(http, StockFigure("TRK-POLE-CARB", None, 1))
    assert route.call_count == http.attempts
    assert_clean(raised.value)


async def test_429_then_ok_succeeds(http: PartnerHttp, router: respx.MockRouter) -> None:
    route = router.post(UPDATE).mock(
        side_effect=[httpx.Response(429), httpx.Response(200, json={"responses": []})]
    )
    result = await push(http, StockFigure("TRK-POLE-CARB", None, 1))
    assert result.rejected == {}
    assert route.call_count == 2


async def test_an_expired_token_is_fatal_and_not_in_the_error(
    http: PartnerHttp, router: respx.MockRouter
) -> None:
    router.post(UPDATE).mock(return_value=httpx.Response(401, json={"errors": [TOKEN]}))
    with pytest.raises(FatalError) as raised:
        await push(http, StockFigure("TRK-POLE-CARB", None, 1))
    assert_clean(raised.value)


async def test_read_stock_gives_the_ship_to_location_quantity_of_known_skus(
    http: PartnerHttp, router: respx.MockRouter
) -> None:
    route = router.post(READ).mock(
        return_value=httpx.Response(200, content=fixture("bulk_get_inventory_item.json"))
    )
    found = await connector.read_stock(
        CONNECTION,
        [
            StockFigure("TRK-POLE-CARB", None, 12),
            StockFigure("HDL-LMP-400", None, 1),
            StockFigure("DE-GONE-1", None, 3),
        ],
        http,
    )
    assert found == {"TRK-POLE-CARB": 12, "HDL-LMP-400": 0}
    [call] = route.calls
    assert call.request.headers["authorization"] == f"Bearer {TOKEN}"
    assert json.loads(call.request.content) == {
        "requests": [{"sku": "TRK-POLE-CARB"}, {"sku": "HDL-LMP-400"}, {"sku": "DE-GONE-1"}]
    }


async def test_read_stock_asks_25_skus_a_call(http: PartnerHttp, router: respx.MockRouter) -> None:
    route = router.post(READ).mock(return_value=httpx.Response(200, json={"responses": []}))
    await connector.read_stock(CONNECTION, [StockFigure(f"S{i}", None, 0) for i in range(26)], http)
    sizes = [len(json.loads(c.request.content)["requests"]) for c in route.calls]
    assert sizes == [25, 1]


async def test_the_contract_retry_rules_hold_for_push_and_read() -> None:
    async def push_one(http: PartnerHttp) -> object:
        return await push(http, StockFigure("TRK-POLE-CARB", None, 1))

    async def read_one(http: PartnerHttp) -> object:
        return await connector.read_stock(CONNECTION, [StockFigure("TRK-POLE-CARB", None, 1)], http)

    empty = httpx.Response(200, json={"responses": []})
    await check_partner_retries(
        PartnerCall(call=push_one, url=UPDATE, method="POST", respond=all_taken)
    )
    await check_partner_retries(
        PartnerCall(call=read_one, url=READ, method="POST", respond=lambda _: empty)
    )
