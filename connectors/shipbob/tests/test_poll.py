"""poll_shipments: orders with tracking not yet uploaded, paged, then marked uploaded."""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx
import respx

from connectors.shipbob import connector
from connectors.shipbob.tests.support import BASE, SHIPPED_BODY, TOKEN, FakeShipBob, connection
from hub.sdk import PartnerHttp, ShipmentPollResult

UNTIL = "2026-11-23T12:00:00Z"


def shipped_order(n: int, *, tracking: bool = True) -> dict[str, Any]:
    """The shared order.shipped order, as the n-th order of the account."""
    order = copy.deepcopy(json.loads(SHIPPED_BODY))
    order["id"] = 381_000_000 + n
    order["reference_id"] = f"ful_{n:04d}"
    shipment = order["shipments"][0]
    shipment["id"] = 291_000_000 + n
    shipment["reference_id"] = order["reference_id"]
    if tracking:
        shipment["tracking"]["tracking_number"] = f"94001112062138591{n:05d}"
    else:
        shipment["tracking"] = None
    return order


async def poll(fake: FakeShipBob, cursor: str | None, **settings: Any) -> ShipmentPollResult:
    async with respx.mock(assert_all_called=False) as router:
        fake.install(router)
        async with httpx.AsyncClient() as client:
            return await connector.poll_shipments(
                connection(**settings), cursor, PartnerHttp(client, backoff=0.001), until=UNTIL
            )


async def test_poll_reports_tracked_shipments_then_marks_them_at_the_next_poll() -> None:
    fake = FakeShipBob()
    fake.add(shipped_order(1))
    fake.add(shipped_order(2, tracking=False))  # the hub will hear of it later
    first = await poll(fake, None)
    assert [
        (r.fulfilment_ref, r.partner_shipment_id, r.tracking_number) for r in first.shipments
    ] == [("ful_0001", "291000001", "9400111206213859100001")]
    assert first.shipments[0].carrier == "USPS" and first.shipments[0].status == "in_transit"
    assert first.more is False and first.cursor is not None
    [listed] = fake.requests
    assert (listed.method, listed.url.path) == ("GET", "/2025-07/order")
    assert dict(listed.url.params) == {
        "HasTracking": "true",
        "IsTrackingUploaded": "false",
        "Page": "1",
        "Limit": "250",
    }
    assert listed.headers["authorization"] == f"Bearer {TOKEN}"
    assert listed.headers["shipbob_channel_id"] == "100102"
    assert fake.marked == []  # not before the hub has kept the reports

    fake.requests.clear()
    second = await poll(fake, first.cursor)
    mark = fake.requests[0]
    assert (mark.method, str(mark.url)) == ("POST", f"{BASE}/shipment:batchUpdateTrackingUpload")
    assert json.loads(mark.content) == {"shipment_ids": [291000001], "is_tracking_uploaded": True}
    assert fake.marked == [291000001]
    assert second.shipments == [] and second.cursor is None


async def test_poll_follows_the_pages() -> None:
    fake = FakeShipBob(page_size=2)
    for n in range(1, 6):
        fake.add(shipped_order(n))
    result = await poll(fake, None)
    assert [r.fulfilment_ref for r in result.shipments] == [f"ful_{n:04d}" for n in range(1, 6)]
    assert [r.url.params["Page"] for r in fake.requests] == ["1", "2", "3"]
    assert result.more is False
    fake.requests.clear()
    again = await poll(fake, result.cursor)
    assert sorted(fake.marked) == [291_000_000 + n for n in range(1, 6)]
    assert again.shipments == []


async def test_poll_stops_at_max_pages_and_says_more() -> None:
    fake = FakeShipBob(page_size=2)
    for n in range(1, 6):
        fake.add(shipped_order(n))
    first = await poll(fake, None, poll_max_pages=2)
    assert len(first.shipments) == 4 and first.more is True
    second = await poll(fake, first.cursor, poll_max_pages=2)
    assert [r.fulfilment_ref for r in second.shipments] == ["ful_0005"]
    assert second.more is False


async def test_an_unreadable_cursor_marks_nothing_and_reports_again() -> None:
    fake = FakeShipBob()
    fake.add(shipped_order(1))
    result = await poll(fake, "not a cursor")
    assert fake.marked == [] and len(result.shipments) == 1
