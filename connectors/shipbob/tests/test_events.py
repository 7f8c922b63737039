"""ShipBob webhook bodies to ShipmentReport / FulfilmentCancelled, on the real payload."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from connectors.shipbob import connector
from connectors.shipbob.tests.support import SHIPPED_BODY, connection, fixture
from hub.sdk import FulfilmentCancelled, MappingError, ParcelLine, PartnerHttp, ShipmentReport

SHIPPED = ShipmentReport(
    fulfilment_ref="113-4827719-5529032",
    partner_shipment_id="291234567",
    status="in_transit",
    carrier="USPS",
    service="Ground Advantage",
    tracking_number="9400111206213859143427",
    tracking_url="https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111206213859143427",
    lines=[ParcelLine("CBL-USBC-2M", 2), ParcelLine("CHG-GAN-65W", 1)],
    shipped_at=datetime(2025, 3, 15, tzinfo=UTC),
    detail="Processing / Labeled",
)


async def events(body: bytes, topic: str | None) -> list[Any]:
    async with httpx.AsyncClient() as client:  # the mapping makes no call
        return await connector.events_from_message(connection(), body, topic, PartnerHttp(client))


async def test_order_shipped_gives_one_exact_report_per_shipment() -> None:
    assert await events(SHIPPED_BODY, "order.shipped") == [SHIPPED]


async def test_the_legacy_topic_maps_the_same() -> None:
    assert await events(SHIPPED_BODY, "order_shipped") == [SHIPPED]


async def test_two_shipments_are_two_reports_with_their_own_lines() -> None:
    order = json.loads(SHIPPED_BODY)
    first = order["shipments"][0]
    second = {
        **first,
        "id": 291234999,
        "products": [first["products"][1]],
        "tracking": {**first["tracking"], "tracking_number": "9400111206213859140000"},
    }
    order["shipments"] = [{**first, "products": [first["products"][0]]}, second]
    reports = await events(json.dumps(order).encode(), "order.shipped")
    assert [(r.partner_shipment_id, r.tracking_number, r.lines) for r in reports] == [
        ("291234567", "9400111206213859143427", [ParcelLine("CBL-USBC-2M", 2)]),
        ("291234999", "9400111206213859140000", [ParcelLine("CHG-GAN-65W", 1)]),
    ]


async def test_a_shipment_without_tracking_is_reported_without_a_number() -> None:
    order = json.loads(SHIPPED_BODY)
    del order["shipments"][0]["tracking"]
    [report] = await events(json.dumps(order).encode(), "order.shipped")
    assert (report.tracking_number, report.carrier, report.tracking_url) == (None, None, None)
    # shipped_at falls back to the fulfilment date
    assert report.shipped_at == datetime(2025, 3, 15, 14, 2, 11, tzinfo=UTC)
    assert report.lines == SHIPPED.lines


async def test_delivered_is_a_delivered_report_of_the_same_parcel() -> None:
    body = json.dumps(fixture("shipment_delivered_webhook.json")).encode()
    [report] = await events(body, "order.shipment.delivered")
    assert report.status == "delivered"
    assert (report.fulfilment_ref, report.partner_shipment_id, report.tracking_number) == (
        SHIPPED.fulfilment_ref,
        SHIPPED.partner_shipment_id,
        SHIPPED.tracking_number,
    )
    assert report.detail == "Completed / Delivered"


@pytest.mark.parametrize("topic", ["order.shipment.exception", "order.shipment.on_hold"])
async def test_exception_and_on_hold_are_exceptions(topic: str) -> None:
    shipment = fixture("shipment_delivered_webhook.json")
    shipment.update(status="Exception", status_details=[{"name": "OutOfStock"}])
    shipment["delivery_date"] = None
    [report] = await events(json.dumps(shipment).encode(), topic)
    assert report.status == "exception"
    assert report.detail == "Exception / OutOfStock"


async def test_cancelled_is_a_fulfilment_cancelled() -> None:
    shipment = fixture("shipment_delivered_webhook.json")
    shipment.update(status="Cancelled", status_details=[])
    assert await events(json.dumps(shipment).encode(), "order.shipment.cancelled") == [
        FulfilmentCancelled(fulfilment_ref="113-4827719-5529032", detail="Cancelled")
    ]


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[1, 2]",
        b"null",
        b'{"id": 1, "shipments": []}',
        b'{"id": 1, "reference_id": "x", "shipments": "no"}',
        b'{"reference_id": "x"}',
    ],
)
async def test_an_unreadable_body_is_a_mapping_error(body: bytes) -> None:
    with pytest.raises(MappingError):
        await events(body, "order.shipped")


async def test_a_topic_without_shipment_news_is_a_mapping_error() -> None:
    with pytest.raises(MappingError, match="topic"):
        await events(SHIPPED_BODY, "return.completed")
