"""Parcels back to eBay (createShippingFulfillment): the exact request, carrier codes, and a
retry that finds the parcel already there and sends nothing."""

from __future__ import annotations

import json
import traceback
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
import respx

from connectors.ebay import connector
from connectors.ebay.shipping import carrier_code
from hub.sdk import (
    ChannelShipment,
    Connection,
    FatalError,
    PartnerHttp,
    RetriableError,
    ShippedLine,
)
from hub.sdk.testing import PartnerCall, check_partner_retries

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TOKEN = "v^1.1#i^1#test-user-token-do-not-leak"
CONNECTION = Connection(
    code="ebay-de", connector="ebay", settings={}, secrets={"access_token": TOKEN}
)
ORDER = "12-11523-48291"
URL = f"https://api.ebay.com/sell/fulfillment/v1/order/{ORDER}/shipping_fulfillment"
SHIPMENT = ChannelShipment(
    shipment_id="shp_01JPA7Q3S9M2",
    external_id=ORDER,
    lines=[
        ShippedLine(sku="TRK-POLE-CARB", quantity=1, line_id="10071234567801"),
        ShippedLine(sku="HDL-LMP-400", quantity=2, line_id="10071234567802"),
    ],
    carrier="DHL Paket",
    tracking_number="00340434469301599999",
    shipped_at=datetime(2025, 3, 15, 9, 30, 5, 250000, tzinfo=timezone(timedelta(hours=1))),
    complete=True,
)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def replace(shipment: ChannelShipment, **changes: object) -> ChannelShipment:
    fields = {f: getattr(shipment, f) for f in shipment.__struct_fields__}
    return ChannelShipment(**{**fields, **changes})


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as mock:
        yield mock


@pytest.fixture
async def http() -> AsyncIterator[PartnerHttp]:
    async with httpx.AsyncClient() as client:
        yield PartnerHttp(client, attempts=3, max_wait=5.0, backoff=0.001)


def existing(router: respx.MockRouter, name: str = "shipping_fulfillments.json") -> respx.Route:
    return router.get(URL).mock(return_value=httpx.Response(200, content=fixture(name)))


def created(router: respx.MockRouter) -> respx.Route:
    return router.post(URL).mock(
        return_value=httpx.Response(201, headers={"Location": f"{URL}/00340434469301599999"})
    )


async def test_a_new_parcel_is_created_with_lines_date_carrier_and_tracking(
    http: PartnerHttp, router: respx.MockRouter
) -> None:
    read = existing(router)
    create = created(router)
    await connector.push_shipment(CONNECTION, SHIPMENT, http)
    assert read.call_count == 1
    [call] = create.calls
    assert call.request.headers["authorization"] == f"Bearer {TOKEN}"
    assert json.loads(call.request.content) == {
        "lineItems": [
            {"lineItemId": "10071234567801", "quantity": 1},
            {"lineItemId": "10071234567802", "quantity": 2},
        ],
        "shippedDate": "2025-03-15T08:30:05.250Z",
        "shippingCarrierCode": "DHL",
        "trackingNumber": "00340434469301599999",
    }


async def test_a_retry_finds_the_tracking_number_and_sends_nothing(
    http: PartnerHttp, router: respx.MockRouter
) -> None:
    existing(router)
    create = created(router)
    again = replace(SHIPMENT, tracking_number="0034 0434 4693 0153 4216")
    await connector.push_shipment(CONNECTION, again, http)
    assert create.call_count == 0


async def test_a_parcel_without_tracking_is_matched_by_its_line_items(
    http: PartnerHttp, router: respx.MockRouter
) -> None:
    router.get(URL).mock(
        return_value=httpx.Response(
            200,
            json={
                "fulfillments": [
                    {"fulfillmentId": "F1", "lineItems": [{"lineItemId": "A", "quantity": 1}]}
                ]
            },
        )
    )
    create = created(router)
    lines = [ShippedLine(sku="X", quantity=1, line_id="A")]
    await connector.push_shipment(
        CONNECTION, replace(SHIPMENT, tracking_number=None, lines=lines), http
    )
    assert create.call_count == 0
    other = [ShippedLine(sku="Y", quantity=1, line_id="B")]
    await connector.push_shipment(
        CONNECTION, replace(SHIPMENT, tracking_number=None, lines=other), http
    )
    [call] = create.calls
    body = json.loads(call.request.content)
    assert "trackingNumber" not in body and "shippingCarrierCode" not in body


@pytest.mark.parametrize(
    ("carrier", "code"),
    [
        ("USPS", "USPS"),
        ("ups", "UPS"),
        ("FedEx", "FedEx"),
        ("DHL Express", "DHL"),
        ("Deutsche Post", "DeutschePost"),
        ("Royal Mail", "RoyalMail"),
        ("Hermes", "Hermes"),
        ("Evri", "Other"),
        (None, "Other"),
    ],
)
def test_carrier_names_map_to_ebay_carrier_codes(carrier: str | None, code: str) -> None:
    assert carrier_code(carrier) == code


async def test_429_on_create_is_retried_then_retriable_without_the_token(
    http: PartnerHttp, router: respx.MockRouter
) -> None:
    router.get(URL).mock(return_value=httpx.Response(200, json={"fulfillments": []}))
    create = router.post(URL).mock(return_value=httpx.Response(429, json={"token": TOKEN}))
    with pytest.raises(RetriableError) as raised:
        await connector.push_shipment(CONNECTION, SHIPMENT, http)
    assert create.call_count == http.attempts
    text = "".join(traceback.format_exception(raised.value))
    assert TOKEN not in text


async def test_a_line_without_line_item_id_is_fatal_before_any_call(
    http: PartnerHttp, router: respx.MockRouter
) -> None:
    read = existing(router)
    with pytest.raises(FatalError, match="lineItemId"):
        await connector.push_shipment(
            CONNECTION, replace(SHIPMENT, lines=[ShippedLine(sku="X", quantity=1)]), http
        )
    assert read.call_count == 0


async def test_the_contract_retry_rules_hold_for_the_create_call() -> None:
    async def ship(http: PartnerHttp) -> object:
        return await connector.push_shipment(CONNECTION, SHIPMENT, http)

    def none_yet(router: respx.MockRouter) -> None:
        router.get(URL).mock(return_value=httpx.Response(200, json={"fulfillments": []}))

    await check_partner_retries(
        PartnerCall(
            call=ship,
            url=URL,
            method="POST",
            respond=lambda _: httpx.Response(201),
            other_routes=none_yet,
        )
    )
