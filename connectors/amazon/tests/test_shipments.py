"""Parcels back to Amazon (confirmShipment): the exact request, carrier codes, the package
reference id, and a retry of a taken confirmation that must not fail."""

from __future__ import annotations

import json
import traceback
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import httpx
import pytest
import respx

from connectors.amazon import AmazonConnector
from connectors.amazon.shipments import carrier_fields, package_reference_id
from connectors.amazon.tests.conftest import make_connection
from connectors.amazon.tests.fake_amazon import (
    BASE,
    LWA_URL,
    SECRETS,
    UNSHIPPED,
    fixture,
    fixture_json,
)
from hub.sdk import (
    ChannelShipment,
    Connection,
    FatalError,
    PartnerHttp,
    RetriableError,
    ShippedLine,
)
from hub.sdk.testing import PartnerCall, check_partner_retries

TOKEN = "Atza|IQEBLjAsAhRTEST-ACCESS-TOKEN-1"
CONFIRM = f"{BASE}/orders/v0/orders/{UNSHIPPED}/shipmentConfirmation"
ITEMS = f"{BASE}/orders/v0/orders/{UNSHIPPED}/orderItems"
SHIPMENT = ChannelShipment(
    shipment_id="shp_01JPA7Q3S9M2",
    external_id=UNSHIPPED,
    lines=[
        ShippedLine(sku="CBL-USBC-2M", quantity=2, line_id="68213377042210"),
        ShippedLine(sku="CHG-GAN-65W", quantity=1, line_id="68213377042211"),
    ],
    carrier="USPS",
    service="Ground Advantage",
    tracking_number="9400111206213859143427",
    shipped_at=datetime(2025, 3, 15, 10, 30, tzinfo=timezone(timedelta(hours=-4))),
    complete=True,
)


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as mock:
        mock.post(LWA_URL).mock(return_value=httpx.Response(200, content=fixture("lwa_token.json")))
        yield mock


def items(shipped: tuple[int, int]) -> httpx.Response:
    body = fixture_json("getorderitems.json")
    for item, quantity in zip(body["payload"]["OrderItems"], shipped, strict=True):
        item["QuantityShipped"] = quantity
    return httpx.Response(200, json=body)


def assert_clean(exc: BaseException) -> None:
    text = "".join(traceback.format_exception(exc)) + repr(exc)
    for value in [*SECRETS.values(), TOKEN]:
        assert value not in text, text


async def test_confirm_shipment_sends_the_package_detail(
    connector: AmazonConnector, connection: Connection, http: PartnerHttp, router: respx.MockRouter
) -> None:
    route = router.post(CONFIRM).mock(return_value=httpx.Response(204))
    await connector.push_shipment(connection, SHIPMENT, http)
    [call] = route.calls
    assert call.request.headers["x-amz-access-token"] == TOKEN
    assert json.loads(call.request.content) == {
        "marketplaceId": "ATVPDKIKX0DER",
        "packageDetail": {
            "packageReferenceId": package_reference_id("shp_01JPA7Q3S9M2"),
            "carrierCode": "USPS",
            "trackingNumber": "9400111206213859143427",
            "shipDate": "2025-03-15T14:30:00Z",
            "orderItems": [
                {"orderItemId": "68213377042210", "quantity": 2},
                {"orderItemId": "68213377042211", "quantity": 1},
            ],
            "shippingMethod": "Ground Advantage",
        },
    }


def test_the_package_reference_id_is_a_positive_number_fixed_by_the_shipment_id() -> None:
    first = package_reference_id("shp_01JPA7Q3S9M2")
    assert first == package_reference_id("shp_01JPA7Q3S9M2")
    assert first.isdigit() and int(first) > 0
    assert first != package_reference_id("shp_01JPA7Q3S9M3")


@pytest.mark.parametrize(
    ("carrier", "fields"),
    [
        ("USPS", {"carrierCode": "USPS"}),
        ("ups", {"carrierCode": "UPS"}),
        ("FedEx", {"carrierCode": "FedEx"}),
        ("DHL Express", {"carrierCode": "DHL"}),
        ("Royal Mail", {"carrierCode": "Royal Mail"}),
        ("Canada Post", {"carrierCode": "Canada Post"}),
        ("Evri", {"carrierCode": "Other", "carrierName": "Evri"}),
        (None, {"carrierCode": "Other", "carrierName": "Other"}),
    ],
)
def test_carrier_names_map_to_amazon_carrier_codes(
    carrier: str | None, fields: dict[str, str]
) -> None:
    assert carrier_fields(carrier) == fields


async def test_an_unknown_carrier_goes_as_other_with_its_name(
    connector: AmazonConnector, connection: Connection, http: PartnerHttp, router: respx.MockRouter
) -> None:
    route = router.post(CONFIRM).mock(return_value=httpx.Response(204))
    shipment = ChannelShipment(
        **{**_fields(SHIPMENT), "carrier": "Evri", "service": None},
    )
    await connector.push_shipment(connection, shipment, http)
    package = json.loads(route.calls[0].request.content)["packageDetail"]
    assert (package["carrierCode"], package["carrierName"]) == ("Other", "Evri")
    assert "shippingMethod" not in package


def _fields(shipment: ChannelShipment) -> dict[str, object]:
    return {f: getattr(shipment, f) for f in shipment.__struct_fields__}


async def test_sending_twice_names_the_same_package(
    connector: AmazonConnector, connection: Connection, http: PartnerHttp, router: respx.MockRouter
) -> None:
    route = router.post(CONFIRM).mock(return_value=httpx.Response(204))
    await connector.push_shipment(connection, SHIPMENT, http)
    await connector.push_shipment(connection, SHIPMENT, http)
    first, second = (json.loads(c.request.content) for c in route.calls)
    assert first == second


async def test_a_retry_refused_because_the_order_shipped_succeeds(
    connector: AmazonConnector, connection: Connection, http: PartnerHttp, router: respx.MockRouter
) -> None:
    router.post(CONFIRM).mock(
        return_value=httpx.Response(
            400, json={"errors": [{"code": "InvalidInput", "message": "already fulfilled"}]}
        )
    )
    items_route = router.get(ITEMS).mock(return_value=items((2, 1)))
    await connector.push_shipment(connection, SHIPMENT, http)
    assert items_route.call_count == 1


async def test_a_refusal_while_the_items_are_not_shipped_is_fatal(
    connector: AmazonConnector, connection: Connection, http: PartnerHttp, router: respx.MockRouter
) -> None:
    router.post(CONFIRM).mock(
        return_value=httpx.Response(400, json={"errors": [{"code": "InvalidInput"}]})
    )
    router.get(ITEMS).mock(return_value=items((2, 0)))
    with pytest.raises(FatalError) as raised:
        await connector.push_shipment(connection, SHIPMENT, http)
    assert "400" in str(raised.value)
    assert "InvalidInput" not in str(raised.value)
    assert_clean(raised.value)


async def test_429_is_retried_and_then_retriable(
    connector: AmazonConnector, connection: Connection, http: PartnerHttp, router: respx.MockRouter
) -> None:
    route = router.post(CONFIRM).mock(return_value=httpx.Response(429))
    with pytest.raises(RetriableError) as raised:
        await connector.push_shipment(connection, SHIPMENT, http)
    assert route.call_count == http.attempts
    assert_clean(raised.value)


async def test_no_tracking_number_or_order_item_id_is_fatal_before_any_call(
    connector: AmazonConnector, connection: Connection, http: PartnerHttp, router: respx.MockRouter
) -> None:
    route = router.post(CONFIRM).mock(return_value=httpx.Response(204))
    with pytest.raises(FatalError, match="tracking"):
        no_tracking = ChannelShipment(**{**_fields(SHIPMENT), "tracking_number": None})
        await connector.push_shipment(connection, no_tracking, http)
    with pytest.raises(FatalError, match="OrderItemId"):
        no_line_id = ChannelShipment(
            **{**_fields(SHIPMENT), "lines": [ShippedLine(sku="CBL-USBC-2M", quantity=2)]}
        )
        await connector.push_shipment(connection, no_line_id, http)
    assert route.call_count == 0


async def test_the_contract_retry_rules_hold_for_confirm_shipment() -> None:
    async def ship(http: PartnerHttp) -> object:
        # a fresh connector each time, so that no call reuses another's cached token
        return await AmazonConnector().push_shipment(make_connection(), SHIPMENT, http)

    def lwa_and_items(router: respx.MockRouter) -> None:
        router.post(LWA_URL).mock(
            return_value=httpx.Response(200, content=fixture("lwa_token.json"))
        )
        router.get(ITEMS).mock(return_value=items((0, 0)))

    await check_partner_retries(
        PartnerCall(
            call=ship,
            url=CONFIRM,
            method="POST",
            respond=lambda _: httpx.Response(204),
            other_routes=lwa_and_items,
        )
    )
