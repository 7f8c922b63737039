"""``poll_orders`` against a fake SP-API: windows, NextToken pages, items pages, the cursor."""

from __future__ import annotations

import json

import httpx
import msgspec
import pytest

from connectors.amazon import AmazonConnector
from connectors.amazon.tests.conftest import FakeTime, make_connection
from connectors.amazon.tests.fake_amazon import (
    CANCELED,
    ITEMS_NEXT,
    ORDERS_NEXT,
    PENDING,
    UNSHIPPED,
    FakeAmazon,
    fixture_json,
)
from hub.sdk import Connection, FatalError, PartnerHttp

UNTIL = "2025-03-14T17:15:00.482913Z"  # the run's start less the look-back
WINDOW = {
    "MarketplaceIds": "ATVPDKIKX0DER",
    "LastUpdatedAfter": "2025-03-14T00:00:00Z",
    "LastUpdatedBefore": "2025-03-14T17:15:00Z",
    "MaxResultsPerPage": "100",
}


async def test_a_window_over_two_pages_with_paged_items(
    connector: AmazonConnector, connection: Connection, http: PartnerHttp, amazon: FakeAmazon
) -> None:
    first = await connector.poll_orders(connection, None, http, until=UNTIL)

    # the first poll starts at settings.start and ends at `until`, to the second
    # getOrders, then the order's two items pages
    assert [query for _, query in amazon.requests] == [WINDOW, {}, {"NextToken": ITEMS_NEXT}]
    [message] = first.messages
    assert message.dedupe_key == f"{UNSHIPPED}@2025-03-14T17:12:55Z"
    assert message.topic == "Unshipped"
    root = msgspec.json.decode(message.body)
    assert root["order"]["AmazonOrderId"] == UNSHIPPED
    assert root == fixture_json("message_unshipped.json")  # both item pages, in turn
    assert first.more is True
    assert json.loads(first.cursor or "") == {
        "after": "2025-03-14T00:00:00Z",
        "before": "2025-03-14T17:15:00Z",
        "next_token": ORDERS_NEXT,
    }

    # the next call (in this run or a later one) continues the page, in the same window
    amazon.requests.clear()
    second = await connector.poll_orders(connection, first.cursor, http, until="2025-03-14T18:00Z")
    orders_calls = [q for p, q in amazon.requests if p == "/orders/v0/orders"]
    assert orders_calls == [{"MarketplaceIds": "ATVPDKIKX0DER", "NextToken": ORDERS_NEXT}]
    assert [m.dedupe_key for m in second.messages] == [f"{CANCELED}@2025-03-14T17:05:10Z"]
    assert second.messages[0].topic == "Canceled"
    assert not amazon.calls(PENDING), "a Pending order's items are not fetched"
    assert second.more is False
    assert second.cursor == "2025-03-14T17:15:00Z"  # the window's upper bound

    # each message maps to its canonical order
    [unshipped] = await connector.orders_from_message(connection, message.body, "Unshipped", http)
    [cancelled] = await connector.orders_from_message(
        connection, second.messages[0].body, "Canceled", http
    )
    assert unshipped.order.totals.total == 6339
    assert cancelled.state == "cancelled"
    assert len(amazon.issued) == 1, "one LWA token served every call"


async def test_the_next_poll_starts_at_the_stored_cursor(
    connector: AmazonConnector, connection: Connection, http: PartnerHttp, amazon: FakeAmazon
) -> None:
    amazon.orders_pages = {None: "getorders_page2.json"}
    result = await connector.poll_orders(
        connection, "2025-03-14T17:15:00Z", http, until="2025-03-14T17:30:00Z"
    )
    [query] = [q for p, q in amazon.requests if p == "/orders/v0/orders"]
    assert query["LastUpdatedAfter"] == "2025-03-14T17:15:00Z"
    assert query["LastUpdatedBefore"] == "2025-03-14T17:30:00Z"
    assert "NextToken" not in query
    assert [m.topic for m in result.messages] == ["Canceled"]
    assert (result.cursor, result.more) == ("2025-03-14T17:30:00Z", False)


async def test_an_empty_window_asks_nothing(
    connector: AmazonConnector, connection: Connection, http: PartnerHttp, amazon: FakeAmazon
) -> None:
    result = await connector.poll_orders(
        connection, "2025-03-14T17:30:00Z", http, until="2025-03-14T17:30:00Z"
    )
    assert (result.messages, result.cursor, result.more) == ([], "2025-03-14T17:30:00Z", False)
    assert amazon.requests == [] and amazon.issued == []


async def test_a_next_token_amazon_refuses_restarts_the_window(
    connector: AmazonConnector, connection: Connection, http: PartnerHttp, amazon: FakeAmazon
) -> None:
    cursor = json.dumps(
        {"after": "2025-03-14T00:00:00Z", "before": "2025-03-14T17:15:00Z", "next_token": "old"}
    )
    amazon.failures = [httpx.Response(400, json={"errors": [{"code": "InvalidInput"}]})]
    result = await connector.poll_orders(connection, cursor, http, until=UNTIL)
    queries = [q for p, q in amazon.requests if p == "/orders/v0/orders"]
    assert queries == [{"MarketplaceIds": "ATVPDKIKX0DER", "NextToken": "old"}, WINDOW]
    assert [m.topic for m in result.messages] == ["Unshipped"] and result.more


async def test_first_poll_needs_settings_start(
    connector: AmazonConnector, http: PartnerHttp, amazon: FakeAmazon
) -> None:
    connection = make_connection(start=None)
    with pytest.raises(FatalError, match=r"settings\.start"):
        await connector.poll_orders(connection, None, http, until=UNTIL)
    with pytest.raises(FatalError, match=r"settings\.marketplace_ids"):
        await connector.poll_orders(make_connection(marketplace_ids=[]), None, http, until=UNTIL)
    assert amazon.requests == []


async def test_a_cursor_that_is_not_ours_is_fatal(
    connector: AmazonConnector, connection: Connection, http: PartnerHttp, amazon: FakeAmazon
) -> None:
    for cursor in ("{not json", "yesterday"):
        with pytest.raises(FatalError, match="cursor"):
            await connector.poll_orders(connection, cursor, http, until=UNTIL)


async def test_rate_limits_from_settings_space_the_calls(
    fake_time: FakeTime, http: PartnerHttp, amazon: FakeAmazon
) -> None:
    connector = AmazonConnector(clock=fake_time.clock, sleep=fake_time.sleep)
    connection = make_connection(rate_limits={"getOrderItems": {"rate": 2, "burst": 1}})
    await connector.poll_orders(connection, None, http, until=UNTIL)
    assert fake_time.slept == [0.5]  # the second items page waited for its token
