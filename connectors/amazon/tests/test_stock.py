"""Stock to Amazon (patchListingsItem, JSON_LISTINGS_FEED) and back (getListingsItem): the
exact requests, refusals per SKU, retries, the rate limiter, and no token in any error."""

from __future__ import annotations

import json
import traceback
from collections.abc import Iterator

import httpx
import pytest
import respx

from connectors.amazon import AmazonConnector, listings
from connectors.amazon.tests.conftest import FakeTime, make_connection
from connectors.amazon.tests.fake_amazon import BASE, LWA_URL, SECRETS, fixture, fixture_json
from hub.sdk import Connection, FatalError, PartnerHttp, RetriableError, StockFigure
from hub.sdk.testing import PartnerCall, check_partner_retries

SELLER = "A2EXAMPLESELLER"
MARKETPLACE = "ATVPDKIKX0DER"
TOKEN = "Atza|IQEBLjAsAhRTEST-ACCESS-TOKEN-1"  # lwa_token.json
LISTING = f"{BASE}/listings/2021-08-01/items/{SELLER}"
UPLOAD = fixture_json("createfeeddocument.json")["url"]
PATCH_BODY = {
    "productType": "PRODUCT",
    "patches": [
        {
            "op": "replace",
            "path": "/attributes/fulfillment_availability",
            "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 7}],
        }
    ],
}


@pytest.fixture
def connection() -> Connection:
    return make_connection(seller_id=SELLER)


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as mock:
        mock.post(LWA_URL).mock(return_value=httpx.Response(200, content=fixture("lwa_token.json")))
        yield mock


def assert_clean(exc: BaseException) -> None:
    text = "".join(traceback.format_exception(exc)) + repr(exc)
    for value in [*SECRETS.values(), TOKEN, "presigned-signature-do-not-leak"]:
        assert value not in text, text


async def push(
    connector: AmazonConnector, connection: Connection, http: PartnerHttp, *figures: StockFigure
) -> object:
    return await connector.push_stock(connection, list(figures), http, idempotency_key="k-1")


# --------------------------------------------------------------------------- one figure


async def test_one_figure_is_a_patch_of_fulfillment_availability_for_the_listing_id(
    connector: AmazonConnector, connection: Connection, http: PartnerHttp, router: respx.MockRouter
) -> None:
    route = router.patch(f"{LISTING}/AMZ-CBL-2M").mock(
        return_value=httpx.Response(200, content=fixture("listings_patch_accepted.json"))
    )
    result = await push(connector, connection, http, StockFigure("CBL-USBC-2M", "AMZ-CBL-2M", 7))
    assert result.rejected == {}
    [call] = route.calls
    assert call.request.method == "PATCH"
    assert dict(call.request.url.params) == {"marketplaceIds": MARKETPLACE}
    assert call.request.headers["x-amz-access-token"] == TOKEN
    assert json.loads(call.request.content) == PATCH_BODY


async def test_without_a_listing_id_the_sku_is_the_seller_sku_url_encoded(
    connector: AmazonConnector, connection: Connection, http: PartnerHttp, router: respx.MockRouter
) -> None:
    route = router.patch(f"{LISTING}/CBL%2FUSB%20C").mock(
        return_value=httpx.Response(200, content=fixture("listings_patch_accepted.json"))
    )
    result = await push(connector, connection, http, StockFigure("CBL/USB C", None, 7))
    assert result.rejected == {}
    assert route.call_count == 1


async def test_an_invalid_submission_rejects_the_figure_with_its_error_codes(
    connector: AmazonConnector, connection: Connection, http: PartnerHttp, router: respx.MockRouter
) -> None:
    router.patch(f"{LISTING}/CBL-USBC-2M").mock(
        return_value=httpx.Response(200, content=fixture("listings_patch_invalid.json"))
    )
    result = await push(connector, connection, http, StockFigure("CBL-USBC-2M", None, 7))
    assert result.rejected == {"CBL-USBC-2M": "amazon INVALID: issues 90220"}


@pytest.mark.parametrize("status", [400, 404])
async def test_a_listing_amazon_refuses_is_rejected_not_fatal(
    status: int,
    connector: AmazonConnector,
    connection: Connection,
    http: PartnerHttp,
    router: respx.MockRouter,
) -> None:
    router.patch(f"{LISTING}/GONE").mock(
        return_value=httpx.Response(status, json={"errors": [{"code": "NOT_FOUND"}]})
    )
    result = await push(connector, connection, http, StockFigure("GONE", None, 0))
    assert result.rejected == {"GONE": f"amazon answered {status}"}


async def test_429_is_retried_then_retriable_and_no_token_in_the_error(
    connector: AmazonConnector, connection: Connection, http: PartnerHttp, router: respx.MockRouter
) -> None:
    route = router.patch(f"{LISTING}/CBL-USBC-2M").mock(
        return_value=httpx.Response(429, headers={"x-amzn-RequestId": "r-1"})
    )
    with pytest.raises(RetriableError) as raised:
        await push(connector, connection, http, StockFigure("CBL-USBC-2M", None, 7))
    assert route.call_count == http.attempts
    assert_clean(raised.value)


async def test_429_then_accepted_succeeds(
    connector: AmazonConnector, connection: Connection, http: PartnerHttp, router: respx.MockRouter
) -> None:
    route = router.patch(f"{LISTING}/CBL-USBC-2M").mock(
        side_effect=[
            httpx.Response(429),
            httpx.Response(200, content=fixture("listings_patch_accepted.json")),
        ]
    )
    result = await push(connector, connection, http, StockFigure("CBL-USBC-2M", None, 7))
    assert result.rejected == {}
    assert route.call_count == 2


async def test_a_refused_fresh_token_is_fatal_and_the_token_never_in_the_error(
    connector: AmazonConnector, connection: Connection, http: PartnerHttp, router: respx.MockRouter
) -> None:
    router.patch(f"{LISTING}/CBL-USBC-2M").mock(
        return_value=httpx.Response(403, json={"errors": [{"message": TOKEN}]})
    )
    with pytest.raises(FatalError) as raised:
        await push(connector, connection, http, StockFigure("CBL-USBC-2M", None, 7))
    assert_clean(raised.value)


async def test_without_seller_id_pushing_is_fatal(
    connector: AmazonConnector, http: PartnerHttp, router: respx.MockRouter
) -> None:
    with pytest.raises(FatalError, match="seller_id"):
        await push(connector, make_connection(), http, StockFigure("CBL-USBC-2M", None, 7))


async def test_patches_wait_for_their_own_token_bucket(
    fake_time: FakeTime, connector: AmazonConnector, http: PartnerHttp, router: respx.MockRouter
) -> None:
    connection = make_connection(
        seller_id=SELLER, rate_limits={"patchListingsItem": {"rate": 0.5, "burst": 1}}
    )
    router.patch(url__startswith=LISTING).mock(
        return_value=httpx.Response(200, content=fixture("listings_patch_accepted.json"))
    )
    await push(connector, connection, http, StockFigure("A", None, 1))
    assert fake_time.slept == []
    await push(connector, connection, http, StockFigure("B", None, 1))
    assert fake_time.slept == [2.0]


def test_the_default_usage_plans_are_declared() -> None:
    from connectors.amazon.settings import DEFAULT_RATE_LIMITS

    for operation in (
        "patchListingsItem",
        "getListingsItem",
        "createFeedDocument",
        "createFeed",
        "confirmShipment",
    ):
        assert operation in DEFAULT_RATE_LIMITS
    assert AmazonConnector.stock_batch_size == 10_000
    assert AmazonConnector.stock_calls_per_second == 5.0


# --------------------------------------------------------------------------- several: a feed


def feed_routes(router: respx.MockRouter) -> tuple[respx.Route, respx.Route, respx.Route]:
    document = router.post(f"{BASE}/feeds/2021-06-30/documents").mock(
        return_value=httpx.Response(201, content=fixture("createfeeddocument.json"))
    )
    upload = router.put(url__startswith=UPLOAD.split("?")[0]).mock(return_value=httpx.Response(200))
    feed = router.post(f"{BASE}/feeds/2021-06-30/feeds").mock(
        return_value=httpx.Response(202, content=fixture("createfeed.json"))
    )
    return document, upload, feed


async def test_several_figures_are_one_json_listings_feed(
    connector: AmazonConnector, connection: Connection, http: PartnerHttp, router: respx.MockRouter
) -> None:
    document, upload, feed = feed_routes(router)
    patch = router.patch(url__startswith=LISTING)
    figures = [StockFigure("CBL-USBC-2M", "AMZ-CBL-2M", 7), StockFigure("CHG-GAN-65W", None, 0)]
    result = await push(connector, connection, http, *figures)
    assert result.rejected == {}
    assert patch.call_count == 0
    [created] = document.calls
    assert created.request.headers["x-amz-access-token"] == TOKEN
    assert json.loads(created.request.content) == {"contentType": "application/json; charset=UTF-8"}
    [put] = upload.calls
    assert str(put.request.url) == UPLOAD
    assert put.request.headers["content-type"] == "application/json; charset=UTF-8"
    assert "x-amz-access-token" not in put.request.headers
    assert json.loads(put.request.content) == {
        "header": {"sellerId": SELLER, "version": "2.0", "issueLocale": "en_US"},
        "messages": [
            {
                "messageId": 1,
                "sku": "AMZ-CBL-2M",
                "operationType": "PATCH",
                "productType": "PRODUCT",
                "patches": PATCH_BODY["patches"],
            },
            {
                "messageId": 2,
                "sku": "CHG-GAN-65W",
                "operationType": "PATCH",
                "productType": "PRODUCT",
                "patches": [
                    {
                        "op": "replace",
                        "path": "/attributes/fulfillment_availability",
                        "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 0}],
                    }
                ],
            },
        ],
    }
    [submitted] = feed.calls
    assert json.loads(submitted.request.content) == {
        "feedType": "JSON_LISTINGS_FEED",
        "marketplaceIds": [MARKETPLACE],
        "inputFeedDocumentId": fixture_json("createfeeddocument.json")["feedDocumentId"],
    }


async def test_more_figures_than_a_feed_takes_are_split_into_feeds(
    connector: AmazonConnector,
    connection: Connection,
    http: PartnerHttp,
    router: respx.MockRouter,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(listings, "FEED_MAX_MESSAGES", 2)
    _, upload, feed = feed_routes(router)
    await push(connector, connection, http, *(StockFigure(f"S{i}", None, i) for i in range(5)))
    assert feed.call_count == 3
    sizes = [len(json.loads(c.request.content)["messages"]) for c in upload.calls]
    assert sizes == [2, 2, 1]


async def test_a_failed_upload_is_retried_and_its_error_shows_no_signature(
    connector: AmazonConnector, connection: Connection, http: PartnerHttp, router: respx.MockRouter
) -> None:
    _, upload, feed = feed_routes(router)
    upload.mock(return_value=httpx.Response(503))
    with pytest.raises(RetriableError) as raised:
        await push(
            connector, connection, http, StockFigure("A", None, 1), StockFigure("B", None, 2)
        )
    assert upload.call_count == http.attempts
    assert feed.call_count == 0
    assert_clean(raised.value)


# --------------------------------------------------------------------------- read back


async def test_read_stock_gets_each_listing_and_leaves_unknown_ones_out(
    connector: AmazonConnector, connection: Connection, http: PartnerHttp, router: respx.MockRouter
) -> None:
    known = router.get(f"{LISTING}/AMZ-CBL-2M").mock(
        return_value=httpx.Response(200, content=fixture("getlistingsitem.json"))
    )
    router.get(f"{LISTING}/NOPE").mock(return_value=httpx.Response(404, json={"errors": []}))
    found = await connector.read_stock(
        connection,
        [StockFigure("CBL-USBC-2M", "AMZ-CBL-2M", 9), StockFigure("NOPE", None, 1)],
        http,
    )
    assert found == {"CBL-USBC-2M": 17}  # the DEFAULT channel, not Amazon's (AFN) stock
    [call] = known.calls
    assert dict(call.request.url.params) == {
        "marketplaceIds": MARKETPLACE,
        "includedData": "fulfillmentAvailability",
    }
    assert call.request.headers["x-amz-access-token"] == TOKEN


async def test_the_contract_retry_rules_hold_for_a_feed_push() -> None:
    async def push_two(http: PartnerHttp) -> object:
        figures = [StockFigure("A", None, 1), StockFigure("B", None, 2)]
        return await AmazonConnector().push_stock(
            make_connection(seller_id=SELLER), figures, http, idempotency_key="k"
        )

    def others(router: respx.MockRouter) -> None:
        router.post(LWA_URL).mock(
            return_value=httpx.Response(200, content=fixture("lwa_token.json"))
        )
        router.put(url__startswith=UPLOAD.split("?")[0]).mock(return_value=httpx.Response(200))
        router.post(f"{BASE}/feeds/2021-06-30/feeds").mock(
            return_value=httpx.Response(202, content=fixture("createfeed.json"))
        )

    await check_partner_retries(
        PartnerCall(
            call=push_two,
            url=f"{BASE}/feeds/2021-06-30/documents",
            method="POST",
            respond=lambda _: httpx.Response(201, content=fixture("createfeeddocument.json")),
            other_routes=others,
        )
    )
