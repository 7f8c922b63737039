"""Shipments back to Shopify: fulfillment orders queried, then fulfillmentCreate, with respx."""

from __future__ import annotations

import traceback
from datetime import UTC, datetime
from typing import Any

import httpx
import msgspec
import pytest
import respx

from connectors.shopify import connector
from connectors.shopify.shipments import allocate
from connectors.shopify.tests.graphql_helpers import (
    CONNECTION,
    TOKEN,
    URL,
    answer,
    assert_graphql_request,
    body,
    fixture,
)
from hub.sdk import ChannelShipment, FatalError, PartnerHttp, RetriableError, ShippedLine

FO = "gid://shopify/FulfillmentOrder/6400000001"
TEE_ITEM = "gid://shopify/FulfillmentOrderLineItem/13500000001"
MUG_ITEM = "gid://shopify/FulfillmentOrderLineItem/13500000002"
SHIPMENT = ChannelShipment(
    shipment_id="shp_01JD8Z",
    external_id="5812345678901",
    external_number="#1042",
    lines=[
        ShippedLine(sku="TEE-ORG-BLK-M", quantity=2),
        # matched by the Shopify line item id even though the SKU was renamed since
        ShippedLine(sku="MUG-RENAMED", quantity=1, line_id="14123456789012"),
    ],
    carrier="DHL",
    tracking_number="00340434161094042557",
    tracking_url="https://www.dhl.de/track?piececode=00340434161094042557",
    shipped_at=datetime(2025, 3, 15, 10, 0, tzinfo=UTC),
    complete=True,
)


def changed(**fields: Any) -> ChannelShipment:
    return msgspec.structs.replace(SHIPMENT, **fields)


async def push(shipment: ChannelShipment = SHIPMENT) -> None:
    async with httpx.AsyncClient() as client:
        await connector.push_shipment(CONNECTION, shipment, PartnerHttp(client, backoff=0.001))


def graphql_route(router: respx.MockRouter, *answers: httpx.Response) -> respx.Route:
    return router.post(URL).mock(side_effect=list(answers))


async def test_push_shipment_fulfils_the_lines_with_tracking() -> None:
    with respx.mock(assert_all_called=True) as router:
        route = graphql_route(
            router,
            answer("graphql_order_fulfillment_orders.json"),
            answer("graphql_fulfillment_create_ok.json"),
        )
        await push()
    assert route.call_count == 2
    query = assert_graphql_request(route.calls[0].request)
    assert "order(id: $id)" in query["query"]
    assert "fulfillmentOrders(" in query["query"] and "remainingQuantity" in query["query"]
    assert query["variables"] == {"id": "gid://shopify/Order/5812345678901"}
    create = assert_graphql_request(route.calls[1].request)
    assert "fulfillmentCreate(fulfillment: $fulfillment)" in create["query"]
    assert "fulfillmentCreateV2" not in create["query"]
    assert create["variables"] == {
        "fulfillment": {
            "lineItemsByFulfillmentOrder": [
                {
                    "fulfillmentOrderId": FO,
                    "fulfillmentOrderLineItems": [
                        {"id": TEE_ITEM, "quantity": 2},
                        {"id": MUG_ITEM, "quantity": 1},
                    ],
                }
            ],
            "trackingInfo": {
                "company": "DHL",
                "number": "00340434161094042557",
                "url": "https://www.dhl.de/track?piececode=00340434161094042557",
            },
            "notifyCustomer": True,
        }
    }


async def test_a_partial_shipment_fulfils_only_its_lines() -> None:
    shipment = changed(lines=[ShippedLine(sku="TEE-ORG-BLK-M", quantity=1)], tracking_url=None)
    with respx.mock(assert_all_called=True) as router:
        route = graphql_route(
            router,
            answer("graphql_order_fulfillment_orders.json"),
            answer("graphql_fulfillment_create_ok.json"),
        )
        await push(shipment)
    sent = body(route.calls[1].request)["variables"]["fulfillment"]
    assert sent["lineItemsByFulfillmentOrder"] == [
        {"fulfillmentOrderId": FO, "fulfillmentOrderLineItems": [{"id": TEE_ITEM, "quantity": 1}]}
    ]
    assert sent["trackingInfo"] == {"company": "DHL", "number": "00340434161094042557"}


async def test_no_lines_means_everything_still_open_and_no_tracking_sends_none() -> None:
    shipment = changed(lines=[], carrier=None, tracking_number=None, tracking_url=None)
    with respx.mock(assert_all_called=True) as router:
        route = graphql_route(
            router,
            answer("graphql_order_fulfillment_orders.json"),
            answer("graphql_fulfillment_create_ok.json"),
        )
        await push(shipment)
    sent = body(route.calls[1].request)["variables"]["fulfillment"]
    assert sent == {
        "lineItemsByFulfillmentOrder": [
            {
                "fulfillmentOrderId": FO,
                "fulfillmentOrderLineItems": [
                    {"id": TEE_ITEM, "quantity": 2},
                    {"id": MUG_ITEM, "quantity": 1},
                ],
            }
        ],
        "notifyCustomer": True,
    }


async def test_a_retry_after_a_lost_answer_sends_nothing() -> None:
    with respx.mock(assert_all_called=True) as router:
        route = graphql_route(router, answer("graphql_order_fulfilled.json"))
        await push()
    assert route.call_count == 1  # the query only, no second fulfillmentCreate


async def test_lines_with_nothing_remaining_send_nothing_even_with_other_tracking() -> None:
    with respx.mock(assert_all_called=True) as router:
        route = graphql_route(router, answer("graphql_order_fulfilled.json"))
        await push(changed(tracking_number="JJD000390007"))
    assert route.call_count == 1


async def test_a_fulfillment_with_the_same_tracking_number_sends_nothing() -> None:
    order = fixture("graphql_order_fulfillment_orders.json")
    order["data"]["order"]["fulfillments"] = [
        {"trackingInfo": [{"number": "00340434161094042557"}]}
    ]
    with respx.mock(assert_all_called=True) as router:
        route = graphql_route(router, httpx.Response(200, json=order))
        await push()
    assert route.call_count == 1


async def test_a_sku_the_order_does_not_have_is_fatal() -> None:
    shipment = changed(lines=[ShippedLine(sku="NOT-ON-ORDER", quantity=1)])
    with respx.mock(assert_all_called=True) as router:
        route = graphql_route(router, answer("graphql_order_fulfillment_orders.json"))
        with pytest.raises(FatalError, match="NOT-ON-ORDER"):
            await push(shipment)
    assert route.call_count == 1


async def test_an_unknown_order_is_fatal() -> None:
    with respx.mock(assert_all_called=True) as router:
        graphql_route(router, answer("graphql_order_missing.json"))
        with pytest.raises(FatalError, match="5812345678901"):
            await push()


async def test_fulfillment_create_user_errors_are_fatal_without_the_message() -> None:
    refused = {
        "data": {
            "fulfillmentCreate": {
                "fulfillment": None,
                "userErrors": [
                    {
                        "field": ["fulfillment", "lineItemsByFulfillmentOrder"],
                        "message": "Fulfillment order 6400000001 is on hold.",
                    }
                ],
            }
        }
    }
    with respx.mock(assert_all_called=True) as router:
        graphql_route(
            router,
            answer("graphql_order_fulfillment_orders.json"),
            httpx.Response(200, json=refused),
        )
        with pytest.raises(FatalError) as err:
            await push()
    assert "fulfillment.lineItemsByFulfillmentOrder" in str(err.value)
    assert "on hold" not in str(err.value)


async def test_throttled_order_query_is_retriable() -> None:
    with respx.mock(assert_all_called=True) as router:
        graphql_route(router, answer("graphql_throttled.json"))
        with pytest.raises(RetriableError) as err:
            await push()
    assert err.value.retry_after == pytest.approx(2.0)


async def test_a_503_on_fulfillment_create_is_retried() -> None:
    with respx.mock(assert_all_called=True) as router:
        route = graphql_route(
            router,
            answer("graphql_order_fulfillment_orders.json"),
            httpx.Response(503),
            answer("graphql_fulfillment_create_ok.json"),
        )
        await push()
    assert route.call_count == 3
    assert body(route.calls[1].request) == body(route.calls[2].request)


async def test_refused_credentials_are_fatal_without_the_token() -> None:
    with respx.mock(assert_all_called=True) as router:
        route = graphql_route(
            router, httpx.Response(401, json={"errors": f"Invalid access token {TOKEN}"})
        )
        with pytest.raises(FatalError) as err:
            await push()
    assert route.call_count == 1
    assert TOKEN not in "".join(traceback.format_exception(err.value))


def test_allocate_spreads_a_line_over_fulfillment_orders_and_takes_only_what_remains() -> None:
    order = fixture("graphql_order_fulfillment_orders.json")["data"]["order"]
    [first] = order["fulfillmentOrders"]["nodes"]
    first["lineItems"]["nodes"][0]["remainingQuantity"] = 1
    second = {
        "id": "gid://shopify/FulfillmentOrder/6400000002",
        "status": "OPEN",
        "lineItems": {
            "nodes": [
                {
                    "id": "gid://shopify/FulfillmentOrderLineItem/13500000009",
                    "sku": "TEE-ORG-BLK-M",
                    "remainingQuantity": 1,
                    "lineItem": {"id": "gid://shopify/LineItem/14123456789011", "sku": "TEE"},
                }
            ]
        },
    }
    order["fulfillmentOrders"]["nodes"].append(second)
    plan = allocate(order, [ShippedLine(sku="TEE-ORG-BLK-M", quantity=5)])
    assert plan == {
        FO: {TEE_ITEM: 1},
        "gid://shopify/FulfillmentOrder/6400000002": {
            "gid://shopify/FulfillmentOrderLineItem/13500000009": 1
        },
    }
