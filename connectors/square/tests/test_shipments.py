"""Shipments back to Square: tracking onto the order's SHIPMENT fulfilment (UpdateOrder),
nothing for a POS sale, nothing twice; respx at Square's edge."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
import respx

from connectors.square import connector
from hub.sdk import ChannelShipment, Connection, FatalError, PartnerHttp, ShippedLine

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BASE = "https://connect.squareup.com"
ORDER_ID = "Wq7b3NcK2yXrT5mLpH8vDs4GaZfJ"
ORDER_URL = f"{BASE}/v2/orders/{ORDER_ID}"
TOKEN = "EAAA-test-access-token"
CONNECTION = Connection(
    code="square-pos", connector="square", secrets={"signature_key": "k", "access_token": TOKEN}
)
SHIPMENT = ChannelShipment(
    shipment_id="shp_01J9SQUARE0000000000000000",
    external_id=ORDER_ID,
    lines=[ShippedLine(sku="TOTE-CNV-NAT", quantity=2)],
    carrier="USPS",
    service="Ground Advantage",
    tracking_number="9400111206213859143427",
    tracking_url="https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111206213859143427",
    shipped_at=datetime(2025, 3, 15, 14, 30, tzinfo=UTC),
    complete=True,
)
DETAILS = {
    "carrier": "USPS",
    "shipping_type": "Ground Advantage",
    "tracking_number": "9400111206213859143427",
    "tracking_url": "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111206213859143427",
    "shipped_at": "2025-03-15T14:30:00Z",
}


def order(**fulfilment: Any) -> dict[str, Any]:
    """The fixture order, its open SHIPMENT fulfilment changed by ``fulfilment``."""
    doc = json.loads((FIXTURES / "order_shipment.json").read_bytes())
    doc["order"]["fulfillments"][1].update(fulfilment)
    return doc


@pytest.fixture
async def http() -> AsyncIterator[PartnerHttp]:
    async with httpx.AsyncClient() as client:
        yield PartnerHttp(client, attempts=3, max_wait=5.0, backoff=0.001)


@respx.mock
async def test_tracking_goes_onto_the_shipment_fulfilment(http: PartnerHttp) -> None:
    read = respx.get(ORDER_URL).mock(return_value=httpx.Response(200, json=order()))
    update = respx.put(ORDER_URL).mock(return_value=httpx.Response(200, json=order()))
    await connector.push_shipment(CONNECTION, SHIPMENT, http)
    assert read.call_count == update.call_count == 1
    request = update.calls.last.request
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["square-version"] == "2025-08-20"
    assert json.loads(request.content) == {
        "order": {
            "location_id": "L8K2T6Q3XVZ9A",
            "version": 7,
            "fulfillments": [
                {"uid": "fUlF1LlMeNtUiD7xQ2", "state": "COMPLETED", "shipment_details": DETAILS}
            ],
        },
        "idempotency_key": "shp_01J9SQUARE0000000000000000",
    }


@respx.mock
async def test_a_partial_shipment_leaves_the_state(http: PartnerHttp) -> None:
    respx.get(ORDER_URL).mock(return_value=httpx.Response(200, json=order()))
    update = respx.put(ORDER_URL).mock(return_value=httpx.Response(200, json=order()))
    partial = msgspec.structs.replace(SHIPMENT, complete=False, service=None, tracking_url=None)
    await connector.push_shipment(CONNECTION, partial, http)
    [change] = json.loads(update.calls.last.request.content)["order"]["fulfillments"]
    assert change == {
        "uid": "fUlF1LlMeNtUiD7xQ2",
        "shipment_details": {
            "carrier": "USPS",
            "tracking_number": "9400111206213859143427",
            "shipped_at": "2025-03-15T14:30:00Z",
        },
    }


@respx.mock
async def test_a_pos_order_without_shipment_fulfilment_is_left_alone(
    http: PartnerHttp, caplog: pytest.LogCaptureFixture
) -> None:
    pos = json.loads((FIXTURES / "order.json").read_bytes())  # in-store sale
    respx.get(f"{BASE}/v2/orders/pM8aL2xQ7vTkR4nYcW1bHs9EfZdJ").mock(
        return_value=httpx.Response(200, json=pos)
    )
    update = respx.put(url__startswith=f"{BASE}/v2/orders/")
    with caplog.at_level(logging.INFO):
        await connector.push_shipment(
            CONNECTION,
            msgspec.structs.replace(SHIPMENT, external_id="pM8aL2xQ7vTkR4nYcW1bHs9EfZdJ"),
            http,
        )
    assert update.call_count == 0
    assert [r.levelno for r in caplog.records if "no shipment fulfillment" in r.message] == [
        logging.INFO
    ]


@respx.mock
async def test_a_fulfilment_with_this_tracking_number_needs_nothing(http: PartnerHttp) -> None:
    done = order(state="COMPLETED", shipment_details=DETAILS)
    respx.get(ORDER_URL).mock(return_value=httpx.Response(200, json=done))
    update = respx.put(ORDER_URL)
    await connector.push_shipment(CONNECTION, SHIPMENT, http)
    assert update.call_count == 0


@respx.mock
async def test_an_untracked_shipment_of_a_completed_order_needs_nothing(http: PartnerHttp) -> None:
    respx.get(ORDER_URL).mock(return_value=httpx.Response(200, json=order(state="COMPLETED")))
    update = respx.put(ORDER_URL)
    untracked = msgspec.structs.replace(SHIPMENT, tracking_number=None, tracking_url=None)
    await connector.push_shipment(CONNECTION, untracked, http)
    assert update.call_count == 0


@respx.mock
async def test_pushing_twice_updates_once(http: PartnerHttp) -> None:
    current = order()

    def apply(request: httpx.Request) -> httpx.Response:
        [change] = json.loads(request.content)["order"]["fulfillments"]
        current["order"]["fulfillments"][1].update(change)
        current["order"]["version"] += 1
        return httpx.Response(200, json=current)

    respx.get(ORDER_URL).mock(side_effect=lambda _: httpx.Response(200, json=current))
    update = respx.put(ORDER_URL).mock(side_effect=apply)
    await connector.push_shipment(CONNECTION, SHIPMENT, http)
    await connector.push_shipment(CONNECTION, SHIPMENT, http)
    assert update.call_count == 1
    assert current["order"]["fulfillments"][1]["state"] == "COMPLETED"


@respx.mock
async def test_a_version_clash_reads_the_order_again(http: PartnerHttp) -> None:
    newer = order()
    newer["order"]["version"] = 8
    respx.get(ORDER_URL).mock(
        side_effect=[httpx.Response(200, json=order()), httpx.Response(200, json=newer)]
    )
    update = respx.put(ORDER_URL).mock(
        side_effect=[
            httpx.Response(409, json={"errors": [{"code": "VERSION_MISMATCH"}]}),
            httpx.Response(200, json=newer),
        ]
    )
    await connector.push_shipment(CONNECTION, SHIPMENT, http)
    bodies = [json.loads(c.request.content) for c in update.calls]
    assert [b["order"]["version"] for b in bodies] == [7, 8]
    assert [b["idempotency_key"] for b in bodies] == [
        "shp_01J9SQUARE0000000000000000",
        "shp_01J9SQUARE0000000000000000-1",
    ]


@respx.mock
async def test_401_is_fatal_without_the_token(http: PartnerHttp) -> None:
    respx.get(ORDER_URL).mock(return_value=httpx.Response(401, json={"detail": TOKEN}))
    with pytest.raises(FatalError) as raised:
        await connector.push_shipment(CONNECTION, SHIPMENT, http)
    assert raised.value.status_code == 401
    assert TOKEN not in f"{raised.value!s} {raised.value!r}"
