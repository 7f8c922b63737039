"""Confirmation webhooks to ShipmentReports, by the mapping's confirmation section."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest

from connectors.rest_warehouse import connector
from connectors.rest_warehouse.tests.support import (
    REF,
    WEBHOOK_BODY,
    connection,
    example_mapping_text,
    mappings_with,
)
from hub.sdk import MappingError, ParcelLine, PartnerEvent, PartnerHttp, ShipmentReport


async def events(body: bytes, **settings: str) -> list[PartnerEvent]:
    async with httpx.AsyncClient() as client:
        return await connector.events_from_message(
            connection(**settings), body, None, PartnerHttp(client)
        )


async def test_a_shipment_webhook_gives_one_report_per_parcel() -> None:
    assert await events(WEBHOOK_BODY) == [
        ShipmentReport(
            fulfilment_ref=REF,
            partner_shipment_id="P-1",
            status="in_transit",
            carrier="UPS",
            service="Ground",
            tracking_number="1Z999AA10123456784",
            tracking_url="https://www.ups.com/track?tracknum=1Z999AA10123456784",
            lines=[ParcelLine("CBL-USBC-2M", 2)],
            shipped_at=datetime(2025, 3, 15, 8, 12, tzinfo=UTC),
            estimated_delivery=date(2025, 3, 19),
            detail="shipped",
        ),
        ShipmentReport(
            fulfilment_ref=REF,
            partner_shipment_id="P-2",
            status="delivered",  # "Delivered": the map is case-insensitive
            carrier="UPS",
            service="Ground",
            tracking_number="1Z999AA10123456791",
            lines=[ParcelLine("CHG-GAN-65W", 1)],  # "1" as text is read as 1
            shipped_at=datetime(2025, 3, 15, 9, 14, tzinfo=UTC),
            detail="Delivered",
        ),
    ]


def body(**parcel: object) -> bytes:
    document = json.loads(WEBHOOK_BODY)
    document["parcels"] = [{**document["parcels"][0], **parcel}]
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("packed", "pre_transit"),
        ("FAILED", "exception"),
        ("returned", "returned_to_sender"),
        ("lost_in_space", "unknown"),
        (None, "unknown"),
    ],
)
async def test_statuses_go_through_the_status_map(state: str | None, status: str) -> None:
    [report] = await events(body(state=state))
    assert report.status == status
    assert report.detail == state


async def test_without_a_status_map_a_hub_status_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = example_mapping_text().split("  status_map:")[0]
    mappings_with(tmp_path, "example_warehouse", text)
    monkeypatch.setenv("HUB_MAPPINGS_DIR", str(tmp_path))
    assert [r.status for r in await events(body(state="Out_For_Delivery"))] == ["out_for_delivery"]
    assert [r.status for r in await events(body(state="shipped"))] == ["unknown"]


async def test_without_shipments_the_body_is_one_parcel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mappings_with(
        tmp_path,
        "flat",
        """
request: {ref: "=id"}
partner_ref: "=id"
confirmation:
  fulfilment_ref: "=reference"
  tracking_number: "=tracking.number"
  carrier: DHL
""",
    )
    monkeypatch.setenv("HUB_MAPPINGS_DIR", str(tmp_path))
    flat = b'{"reference": "ful_1", "tracking": {"number": 4711}}'
    assert await events(flat, mapping="flat") == [
        ShipmentReport(fulfilment_ref="ful_1", tracking_number="4711", carrier="DHL")
    ]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b"<html>502</html>", "body"),
        (b"[1, 2]", "body"),
        (body(items=[{"sku": "A", "qty": 0}]), "confirmation.lines[0].quantity (shipment 0)"),
        (body(items=[{"sku": "A", "qty": 1.5}]), "confirmation.lines[0].quantity (shipment 0)"),
        (body(items=[{"qty": 1}]), "confirmation.lines[0].sku (shipment 0)"),
        (body(shipped_at="yesterday"), "confirmation.shipped_at (shipment 0)"),
        (body(tracking={"no": 1}), "confirmation.tracking_number (shipment 0)"),
        (body(eta="2025-02-30"), "confirmation.estimated_delivery (shipment 0)"),
    ],
)
async def test_an_unreadable_body_is_a_mapping_error_naming_the_field(
    raw: bytes, field: str
) -> None:
    with pytest.raises(MappingError) as raised:
        await events(raw)
    assert raised.value.field == field


async def test_a_body_without_the_fulfilment_ref_is_a_mapping_error() -> None:
    document = json.loads(WEBHOOK_BODY)
    del document["ref"]
    with pytest.raises(MappingError, match="fulfilment_ref") as raised:
        await events(json.dumps(document).encode())
    assert "1Z999AA10123456784" not in str(raised.value)  # never quotes the body


async def test_parcels_that_are_not_an_array_are_a_mapping_error() -> None:
    document = json.loads(WEBHOOK_BODY)
    document["parcels"] = {"id": "P-1"}
    with pytest.raises(MappingError) as raised:
        await events(json.dumps(document).encode())
    assert raised.value.field == "confirmation.shipments"
