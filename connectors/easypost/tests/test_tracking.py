"""EasyPost tracker events to TrackingEvents: the shared event, the status table, fallbacks."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from connectors.easypost import connector
from connectors.easypost.tests.conftest import fixture, make_connection
from connectors.easypost.tracking import STATUSES
from hub.sdk import TRACKING_STATUSES, MappingError, PartnerHttp, TrackingEvent

BODY = fixture("tracker_updated.json")


def event(**result: Any) -> bytes:
    """The shared event with ``result`` fields replaced (None: removed)."""
    doc = json.loads(BODY)
    for key, value in result.items():
        if value is None:
            doc["result"].pop(key, None)
        else:
            doc["result"][key] = value
    return json.dumps(doc).encode()


async def events(body: bytes) -> list[object]:
    async with httpx.AsyncClient() as client:
        return await connector.events_from_message(
            make_connection(), body, "tracker.updated", PartnerHttp(client)
        )


async def test_the_shared_event_is_one_exact_tracking_event() -> None:
    assert await events(BODY) == [
        TrackingEvent(
            tracking_number="9400111206213859143427",
            status="in_transit",
            carrier="USPS",
            detail="arrived_at_facility",
            at=datetime(2025, 3, 16, 6, 20, 44, tzinfo=UTC),
            estimated_delivery=date(2025, 3, 17),
            public_url="https://track.easypost.com/djE6dHJrXzViOWUyYzdhNDFmMzRkOGM5ZTBhNmYxZDJiM2M0ZTVm",
        )
    ]


EXPECTED = {
    "unknown": "unknown",
    "pre_transit": "pre_transit",
    "in_transit": "in_transit",
    "out_for_delivery": "out_for_delivery",
    "delivered": "delivered",
    "available_for_pickup": "available_for_pickup",
    "return_to_sender": "returned_to_sender",
    "failure": "exception",
    "cancelled": "cancelled",
    "error": "exception",
}


def test_the_table_covers_every_easypost_status_with_hub_statuses() -> None:
    assert STATUSES == EXPECTED
    assert set(STATUSES.values()) <= set(TRACKING_STATUSES)


@pytest.mark.parametrize(("easypost", "hub"), sorted(EXPECTED.items()))
async def test_each_status_maps_through_the_table(easypost: str, hub: str) -> None:
    (mapped,) = await events(event(status=easypost))
    assert isinstance(mapped, TrackingEvent)
    assert mapped.status == hub


@pytest.mark.parametrize("status", ["IN_TRANSIT", "teleported", None])
async def test_case_and_unknown_codes(status: str | None) -> None:
    (mapped,) = await events(event(status=status))
    assert isinstance(mapped, TrackingEvent)
    assert mapped.status == ("in_transit" if status == "IN_TRANSIT" else "unknown")


async def test_without_status_detail_the_latest_message_is_the_detail() -> None:
    (mapped,) = await events(event(status_detail=None))
    assert isinstance(mapped, TrackingEvent)
    assert mapped.detail == "Arrived at USPS Regional Facility"


async def test_without_the_local_date_the_estimate_is_est_delivery_date() -> None:
    (mapped,) = await events(
        event(carrier_detail={"object": "CarrierDetail"}, est_delivery_date="2025-03-19T00:00:00Z")
    )
    assert isinstance(mapped, TrackingEvent)
    assert mapped.estimated_delivery == date(2025, 3, 19)
    (bare,) = await events(event(carrier_detail=None, est_delivery_date=None))
    assert isinstance(bare, TrackingEvent)
    assert bare.estimated_delivery is None


async def test_tracker_created_maps_too() -> None:
    doc = json.loads(BODY)
    doc["description"] = "tracker.created"
    (mapped,) = await events(json.dumps(doc).encode())
    assert isinstance(mapped, TrackingEvent)
    assert mapped.tracking_number == "9400111206213859143427"


@pytest.mark.parametrize("description", ["batch.updated", "refund.successful", None])
async def test_other_events_map_to_nothing(description: str | None) -> None:
    doc = json.loads(BODY)
    doc["description"] = description
    doc["result"] = {"id": "batch_1", "object": "Batch"}
    assert await events(json.dumps(doc).encode()) == []


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<html>502</html>",
        b"null",
        b"[1, 2]",
        b'{"description": "tracker.updated"}',
        b'{"description": "tracker.updated", "result": null}',
        b'{"description": "tracker.updated", "result": {"status": "delivered"}}',
        b'{"description": "tracker.updated", "result": {"tracking_code": "1", '
        b'"updated_at": "yesterday"}}',
        b'{"description": "tracker.updated", "result": {"tracking_code": "1", '
        b'"est_delivery_date": "soon"}}',
    ],
)
async def test_an_unreadable_body_is_a_mapping_error(body: bytes) -> None:
    with pytest.raises(MappingError):
        await events(body)
