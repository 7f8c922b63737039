"""rates(): the exact POST /v2/shipments request (auth, unit conversions) and its quotes."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal

import httpx
import pytest
import respx

from connectors.easypost import connector
from connectors.easypost.tests.conftest import API_KEY, BASE, basic_auth, fixture, make_connection
from hub.sdk import (
    Address,
    Customer,
    FatalError,
    LabelRequest,
    Parcel,
    PartnerHttp,
    Rate,
    RetriableError,
)

SHIPMENT_ID = "shp_0d6b3e1c9a7f4e2b8c5d1a3f6e9b2c47"
REQUEST = LabelRequest(
    reference="ful_01JPB2Q8K3M4N5P6Q7R8S9T0V1",
    ship_from=Address(
        name="Acme Warehouse",
        company="Acme Ltd",
        line1="2400 S Laramie Ave",
        line2="Dock 4",
        city="Cicero",
        region="IL",
        postal_code="60804",
        country="US",
        phone="+1 708 555 0100",
    ),
    ship_to=Address(
        name="Jane Doe",
        line1="1800 E Broad St",
        city="Columbus",
        region="OH",
        postal_code="43205",
        country="US",
    ),
    parcel=Parcel(weight_grams=1000, length_mm=300, width_mm=200, height_mm=100),
    customer=Customer(name="Jane D.", email="jane@example.com", phone="+1 614 555 0199"),
)
CREATED = httpx.Response(201, content=fixture("shipment_created.json"))


def sent_json(request: httpx.Request) -> object:
    """The request's JSON body, numbers as Decimal (to see exactly what was sent)."""
    return json.loads(request.content, parse_float=Decimal)


@respx.mock
async def test_the_request_body_auth_and_units(http: PartnerHttp) -> None:
    route = respx.post(f"{BASE}/v2/shipments").mock(return_value=CREATED)
    await connector.rates(make_connection(), REQUEST, http)
    (call,) = route.calls
    request = call.request
    assert request.method == "POST"
    assert request.headers["authorization"] == basic_auth(API_KEY)
    assert request.headers["content-type"] == "application/json"
    assert sent_json(request) == {
        "shipment": {
            "reference": "ful_01JPB2Q8K3M4N5P6Q7R8S9T0V1",
            "from_address": {
                "name": "Acme Warehouse",
                "company": "Acme Ltd",
                "street1": "2400 S Laramie Ave",
                "street2": "Dock 4",
                "city": "Cicero",
                "state": "IL",
                "zip": "60804",
                "country": "US",
                "phone": "+1 708 555 0100",
            },
            "to_address": {
                "name": "Jane Doe",
                "street1": "1800 E Broad St",
                "city": "Columbus",
                "state": "OH",
                "zip": "43205",
                "country": "US",
                "phone": "+1 614 555 0199",
                "email": "jane@example.com",
            },
            # 300 x 200 x 100 mm = 11.81 x 7.87 x 3.94 in; 1000 g = 35.27 oz: all up to 0.1
            "parcel": {
                "length": Decimal("11.9"),
                "width": Decimal("7.9"),
                "height": Decimal("4.0"),
                "weight": Decimal("35.3"),
            },
            "options": {"label_format": "PNG"},
        }
    }
    # exact JSON numbers, never a float's digits
    assert b'"length":11.9,"width":7.9,"height":4.0,"weight":35.3' in request.content


@respx.mock
async def test_the_quotes_in_exact_minor_units(http: PartnerHttp) -> None:
    respx.post(f"{BASE}/v2/shipments").mock(return_value=CREATED)
    assert await connector.rates(make_connection(), REQUEST, http) == [
        Rate(
            id="rate_7eb8606e070a4df19b70de813f9bea9d",
            shipment_id=SHIPMENT_ID,
            carrier="USPS",
            service="Priority",
            amount=945,
            currency="USD",
            est_delivery_days=2,
        ),
        Rate(
            id="rate_b936eae682e543b1a6550ea120e81a3e",
            shipment_id=SHIPMENT_ID,
            carrier="USPS",
            service="GroundAdvantage",
            amount=593,
            currency="USD",
            est_delivery_days=3,
        ),
        Rate(
            id="rate_05676ca6d03141dd94a067b45335a41d",
            shipment_id=SHIPMENT_ID,
            carrier="USPS",
            service="Express",
            amount=3125,
            currency="USD",
            est_delivery_days=None,
        ),
    ]


@respx.mock
async def test_weight_only_parcel_and_label_format_setting(http: PartnerHttp) -> None:
    route = respx.post("https://easypost.test/v2/shipments").mock(return_value=CREATED)
    connection = make_connection(label_format="pdf")
    connection = dataclasses.replace(connection, base_url="https://easypost.test/")
    request = LabelRequest(
        reference="r",
        ship_from=REQUEST.ship_from,
        ship_to=REQUEST.ship_to,
        parcel=Parcel(weight_grams=250, length_mm=300),  # incomplete dimensions: not sent
    )
    await connector.rates(connection, request, http)
    shipment = sent_json(route.calls.last.request)["shipment"]  # type: ignore[index]
    assert shipment["parcel"] == {"weight": Decimal("8.9")}
    assert shipment["options"] == {"label_format": "PDF"}


@pytest.mark.parametrize(
    "settings", [{"label_format": "GIF"}, {"fetch_label": "maybe"}, {"label_format": 4}]
)
async def test_a_wrong_setting_is_fatal_before_any_call(
    settings: dict[str, object], http: PartnerHttp
) -> None:
    with respx.mock(assert_all_called=False) as router:
        route = router.post(f"{BASE}/v2/shipments").mock(return_value=CREATED)
        with pytest.raises(FatalError, match="easypost connection settings"):
            await connector.rates(make_connection(**settings), REQUEST, http)
    assert not route.called


async def test_a_zero_weight_is_fatal(http: PartnerHttp) -> None:
    request = LabelRequest(
        reference="r",
        ship_from=REQUEST.ship_from,
        ship_to=REQUEST.ship_to,
        parcel=Parcel(weight_grams=0),
    )
    with pytest.raises(FatalError, match="positive weight"):
        await connector.rates(make_connection(), request, http)


@respx.mock
async def test_401_is_fatal_at_once_without_the_api_key(http: PartnerHttp) -> None:
    route = respx.post(f"{BASE}/v2/shipments").mock(
        return_value=httpx.Response(
            401,
            json={"error": {"code": "APIKEY.INACTIVE", "message": f"key {API_KEY} inactive"}},
        )
    )
    with pytest.raises(FatalError) as raised:
        await connector.rates(make_connection(), REQUEST, http)
    assert route.call_count == 1
    assert raised.value.status_code == 401
    text = f"{raised.value!s} {raised.value!r} {raised.value.args!r}"
    assert API_KEY not in text and "APIKEY.INACTIVE" not in text
    assert basic_auth(API_KEY).split()[1] not in text


@respx.mock
async def test_429_is_retried(http: PartnerHttp) -> None:
    route = respx.post(f"{BASE}/v2/shipments").mock(
        side_effect=[httpx.Response(429, headers={"retry-after": "0"}), CREATED]
    )
    rates = await connector.rates(make_connection(), REQUEST, http)
    assert route.call_count == 2
    assert [r.amount for r in rates] == [945, 593, 3125]
    assert route.calls[0].request.content == route.calls[1].request.content


@respx.mock
async def test_429_every_time_is_retriable(http: PartnerHttp) -> None:
    route = respx.post(f"{BASE}/v2/shipments").mock(return_value=httpx.Response(429))
    with pytest.raises(RetriableError):
        await connector.rates(make_connection(), REQUEST, http)
    assert route.call_count == 3
