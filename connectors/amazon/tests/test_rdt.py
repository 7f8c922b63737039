"""Restricted Data Tokens against a fake SP-API that withholds PII from calls without one:
the request, the cache (per connection and resource set, until expiry), the fallback when
the app lacks the PII role (the quarantine reason names it; FBA orders still map), a refused
RDT fetched again once, and no token in any error, log line or message."""

from __future__ import annotations

import dataclasses
import json
import logging
import traceback

import httpx
import msgspec
import pytest

from connectors.amazon import AmazonConnector, rdt
from connectors.amazon.tests.conftest import FakeTime, make_connection
from connectors.amazon.tests.fake_amazon import (
    AFN_ORDER,
    SECRETS,
    UNSHIPPED,
    FakeAmazon,
    fixture_json,
)
from hub.sdk import Connection, FatalError, MappingError, PartnerHttp, PollResult

UNTIL = "2025-03-14T17:15:00Z"
ROLE = "the app lacks the Amazon PII role (Direct-to-Consumer Shipping)"
BOTH = {
    "restrictedResources": [
        {
            "method": "GET",
            "path": "/orders/v0/orders",
            "dataElements": ["buyerInfo", "shippingAddress"],
        },
        {
            "method": "GET",
            "path": "/orders/v0/orders/{orderId}/orderItems",
            "dataElements": ["buyerInfo"],
        },
    ]
}


async def poll(connector: AmazonConnector, connection: Connection, http: PartnerHttp) -> PollResult:
    return await connector.poll_orders(connection, None, http, until=UNTIL)


def sent_tokens(amazon: FakeAmazon, path_part: str) -> list[str]:
    """The x-amz-access-token of every API call whose path has ``path_part``."""
    return [
        call.request.headers["x-amz-access-token"]
        for call in amazon.api.calls
        if path_part in call.request.url.path
    ]


def all_tokens(amazon: FakeAmazon) -> list[str]:
    return [*SECRETS.values(), *amazon.issued, *amazon.rdts]


@pytest.fixture
def mixed(amazon: FakeAmazon) -> FakeAmazon:
    """One getOrders page with a merchant-fulfilled (MFN) and an FBA (AFN) order."""
    amazon.orders_pages = {None: "getorders_mfn_afn.json"}
    return amazon


async def test_an_mfn_order_polled_with_the_rdt_maps_with_name_and_address(
    connector: AmazonConnector, connection: Connection, http: PartnerHttp, amazon: FakeAmazon
) -> None:
    result = await poll(connector, connection, http)

    # one createRestrictedDataToken, sent with the LWA token, for both restricted operations
    assert amazon.rdt_bodies == [BOTH]
    assert amazon.tokens.calls[0].request.headers["x-amz-access-token"] == amazon.issued[0]
    # getOrders and getOrderItems went with the RDT instead of the LWA token
    assert set(sent_tokens(amazon, "/orders/v0/orders")) == {"Atz.sprdt|TEST-RDT-1"}
    [message] = result.messages
    root = msgspec.json.decode(message.body)
    assert "pii_withheld" not in root
    assert message.dedupe_key == f"{UNSHIPPED}@2025-03-14T17:12:55Z"

    [reported] = await connector.orders_from_message(connection, message.body, None, http)
    address = reported.order.shipping_address
    assert address is not None
    assert (address.name, address.line1, address.line2) == ("Dana Whitfield", "811 Oak St", "Apt 2")
    assert address.phone == "+1 614-555-0148"
    assert reported.order.customer is not None
    assert reported.order.customer.name == "Dana Whitfield"
    assert reported.order.customer.email == "k4xq2m9zt7wd3pl@marketplace.amazon.com"


async def test_without_an_rdt_amazon_withholds_the_pii_and_the_reason_says_so(
    connector: AmazonConnector, http: PartnerHttp, amazon: FakeAmazon
) -> None:
    connection = make_connection(pii_data_elements=[])  # asks for no RDT
    [message] = (await poll(connector, connection, http)).messages
    assert amazon.rdt_bodies == []
    order = msgspec.json.decode(message.body)["order"]
    assert order["ShippingAddress"] == {
        "City": "Columbus",
        "StateOrRegion": "OH",
        "PostalCode": "43205-1634",
        "CountryCode": "US",
    }
    assert order["BuyerInfo"] == {}
    with pytest.raises(MappingError) as raised:
        await connector.orders_from_message(connection, message.body, None, http)
    assert raised.value.field == "shipping_address.line1"
    assert str(raised.value).startswith(
        "amazon_order: shipping_address.line1: settings.pii_data_elements is empty"
    )


@pytest.mark.parametrize("lifetime", [3600, 900])
async def test_the_rdt_is_cached_until_shortly_before_expires_in(
    lifetime: int,
    fake_time: FakeTime,
    connector: AmazonConnector,
    connection: Connection,
    http: PartnerHttp,
    amazon: FakeAmazon,
) -> None:
    amazon.rdt_lifetime = lifetime
    for _ in range(3):
        await poll(connector, connection, http)
    fake_time.now += lifetime - 120
    await poll(connector, connection, http)
    assert len(amazon.rdt_bodies) == 1, "one RDT served four polls"

    fake_time.now += 61  # within a minute of expiry: a new one first
    await poll(connector, connection, http)
    assert len(amazon.rdt_bodies) == 2
    assert sent_tokens(amazon, "/orders/v0/orders")[-1] == "Atz.sprdt|TEST-RDT-2"


async def test_rdts_are_per_connection_and_resource_set(
    connector: AmazonConnector, connection: Connection, http: PartnerHttp, amazon: FakeAmazon
) -> None:
    other = dataclasses.replace(connection, code="amazon-ca")
    address_only = make_connection(pii_data_elements=["shippingAddress"])
    for each in (connection, other, address_only, connection, other, address_only):
        await poll(connector, each, http)
    assert len(amazon.rdt_bodies) == 3
    # shippingAddress alone: getOrders only (an order item has no address), items with LWA
    assert amazon.rdt_bodies[2] == {
        "restrictedResources": [
            {"method": "GET", "path": "/orders/v0/orders", "dataElements": ["shippingAddress"]}
        ]
    }
    amazon.api.calls.clear()
    [message] = (await poll(connector, address_only, http)).messages
    assert set(sent_tokens(amazon, "/orderItems")) == {amazon.issued[0]}
    [reported] = await connector.orders_from_message(address_only, message.body, None, http)
    assert reported.order.shipping_address is not None
    assert reported.order.shipping_address.line1 == "811 Oak St"


@pytest.mark.parametrize("status", [400, 403])
async def test_without_the_pii_role_mfn_orders_name_it_and_afn_orders_map(
    status: int,
    fake_time: FakeTime,
    connector: AmazonConnector,
    connection: Connection,
    http: PartnerHttp,
    mixed: FakeAmazon,
) -> None:
    mixed.pii_role, mixed.rdt_refusal = False, status
    result = await poll(connector, connection, http)

    # polled on with the LWA token
    assert set(sent_tokens(mixed, "/orders/v0/orders")) == set(mixed.issued)
    mfn, afn = result.messages
    assert mfn.dedupe_key == f"{UNSHIPPED}@2025-03-14T17:12:55Z#no-pii"
    assert afn.dedupe_key == f"{AFN_ORDER}@2025-03-14T17:08:31Z"
    with pytest.raises(MappingError) as raised:
        await connector.orders_from_message(connection, mfn.body, None, http)
    reason = str(raised.value)
    assert reason.startswith(f"amazon_order: shipping_address.line1: {ROLE}: ")
    assert f"createRestrictedDataToken for buyerInfo, shippingAddress answered {status}" in reason
    assert "merchant-fulfilled" in reason

    [fba] = await connector.orders_from_message(connection, afn.body, None, http)
    assert fba.order.shipping_address is None  # Amazon ships it: no ship-to needed
    assert "fulfilled_by_amazon" in fba.order.tags
    assert fba.order.totals.total == 3518
    assert "BuyerInfo" not in msgspec.json.decode(afn.body)["items"][0]

    # the refusal is believed for a while, then asked about again
    await poll(connector, connection, http)
    assert len(mixed.rdt_bodies) == 1
    fake_time.now += rdt.REFUSAL_SECONDS
    mixed.pii_role = True
    again = await poll(connector, connection, http)
    assert len(mixed.rdt_bodies) == 2
    mfn_again, afn_again = again.messages
    assert mfn_again.dedupe_key == f"{UNSHIPPED}@2025-03-14T17:12:55Z"  # not a duplicate
    [found] = await connector.orders_from_message(connection, mfn_again.body, None, http)
    assert found.order.shipping_address is not None
    item = msgspec.json.decode(afn_again.body)["items"][0]
    assert item["BuyerInfo"]["GiftMessageText"] == "Happy birthday, Marta!"


async def test_a_refused_rdt_is_dropped_and_fetched_again_once(
    connector: AmazonConnector, connection: Connection, http: PartnerHttp, amazon: FakeAmazon
) -> None:
    await poll(connector, connection, http)
    amazon.revoke_rdts()  # e.g. revoked by Amazon before its expiresIn
    result = await poll(connector, connection, http)
    assert len(amazon.rdt_bodies) == 2
    assert sent_tokens(amazon, "/orders/v0/orders")[-4:] == [
        "Atz.sprdt|TEST-RDT-1",  # refused
        "Atz.sprdt|TEST-RDT-2",
        "Atz.sprdt|TEST-RDT-2",
        "Atz.sprdt|TEST-RDT-2",
    ]
    assert "pii_withheld" not in msgspec.json.decode(result.messages[0].body)

    # refused again right after: fatal, one new RDT and not a loop
    refused = httpx.Response(403, json={"errors": [{"code": "Unauthorized"}]})
    amazon.failures = [refused, refused]
    with pytest.raises(FatalError, match="403") as raised:
        await poll(connector, connection, http)
    assert len(amazon.rdt_bodies) == 3
    assert_clean(raised.value, amazon)


async def test_a_role_lost_mid_poll_goes_on_without_pii(
    connector: AmazonConnector, connection: Connection, http: PartnerHttp, mixed: FakeAmazon
) -> None:
    await poll(connector, connection, http)
    mixed.revoke_rdts()
    mixed.pii_role = False
    mfn, _ = (await poll(connector, connection, http)).messages
    assert msgspec.json.decode(mfn.body)["pii_withheld"].startswith(ROLE)


async def test_a_stale_lwa_token_is_not_taken_for_a_missing_role(
    fake_time: FakeTime,
    connector: AmazonConnector,
    connection: Connection,
    http: PartnerHttp,
    amazon: FakeAmazon,
) -> None:
    amazon.rdt_lifetime = 900
    await poll(connector, connection, http)
    fake_time.now += 900
    amazon.revoke_all()  # the cached LWA token is refused by createRestrictedDataToken
    result = await poll(connector, connection, http)
    assert len(amazon.issued) == 2 and len(amazon.rdt_bodies) == 2
    assert "pii_withheld" not in msgspec.json.decode(result.messages[0].body)


async def test_other_token_api_failures(
    fake_time: FakeTime,
    connector: AmazonConnector,
    connection: Connection,
    http: PartnerHttp,
    amazon: FakeAmazon,
) -> None:
    amazon.rdt_failures = [httpx.Response(503)]  # retried, as any 5xx
    assert (await poll(connector, connection, http)).messages
    assert len(amazon.rdt_bodies) == 1

    for answer in (httpx.Response(404), httpx.Response(200, text=SECRETS["client_id"])):
        fresh = AmazonConnector(clock=fake_time.clock, sleep=fake_time.sleep)
        amazon.rdt_failures = [answer]
        with pytest.raises(FatalError, match=r"(?i)restrictedDataToken") as raised:
            await poll(fresh, connection, http)
        assert_clean(raised.value, amazon)


async def test_no_token_in_errors_logs_or_messages(
    connector: AmazonConnector,
    connection: Connection,
    http: PartnerHttp,
    mixed: FakeAmazon,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    bodies = [m.body for m in (await poll(connector, connection, http)).messages]
    mixed.revoke_rdts()
    mixed.pii_role = False
    bodies += [m.body for m in (await poll(connector, connection, http)).messages]
    with pytest.raises(MappingError) as raised:
        await connector.orders_from_message(connection, bodies[2], None, http)
    texts = [caplog.text, *(b.decode() for b in bodies), repr(connector.rdts.__dict__)]
    texts.append("".join(traceback.format_exception(raised.value)))
    for token in all_tokens(mixed):
        for text in texts:
            assert token not in text


def assert_clean(exc: BaseException, amazon: FakeAmazon) -> None:
    text = "".join(traceback.format_exception(exc)) + repr(exc) + json.dumps(exc.args)
    for token in all_tokens(amazon):
        assert token not in text, text


def test_only_a_name_or_address_failure_of_an_mfn_order_is_put_down_to_the_role() -> None:
    root = fixture_json("message_unshipped.json") | {"pii_withheld": ROLE + ": ..."}
    root["order"]["OrderStatus"] = "Mystery"  # fails on payment.status, not on PII
    with pytest.raises(MappingError) as raised:
        AmazonConnector().normalize([json.dumps(root).encode()], channel="amazon-us")
    assert raised.value.field == "payment.status" and ROLE not in str(raised.value)
