"""Shipments back to WooCommerce: a customer note with the tracking, once, and the order
completed when every line has shipped (respx at the store's REST API)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import msgspec
import pytest
import respx

from connectors.woocommerce import connector
from hub.sdk import ChannelShipment, Connection, FatalError, PartnerHttp, ShippedLine

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
API = "https://shop.example.com/wp-json/wc/v3"
KEY, SECRET = "ck_test_0123456789abcdef", "cs_test_fedcba9876543210"
CONNECTION = Connection(
    code="woo-uk",
    connector="woocommerce",
    base_url="https://shop.example.com",
    secrets={"consumer_key": KEY, "consumer_secret": SECRET},
)
SHIPMENT = ChannelShipment(
    shipment_id="shp_01J9ZZZZZZZZZZZZZZZZZZZZZZ",
    external_id="4821",
    lines=[ShippedLine(sku="BEANIE-MER-GRY", quantity=2)],
    carrier="Royal Mail",
    service="Tracked 24",
    tracking_number="RM987654321GB",
    tracking_url="https://track.example/RM987654321GB",
    shipped_at=datetime(2025, 3, 15, 9, 0, tzinfo=UTC),
    complete=True,
)
NOTE = (
    "Shipped with Royal Mail Tracked 24: tracking RM987654321GB "
    "https://track.example/RM987654321GB (ref shp_01J9ZZZZZZZZZZZZZZZZZZZZZZ)"
)


@pytest.fixture
async def http() -> AsyncIterator[PartnerHttp]:
    async with httpx.AsyncClient() as client:
        yield PartnerHttp(client, attempts=3, max_wait=5.0, backoff=0.001)


def routes(notes: bytes = b"[]") -> tuple[respx.Route, respx.Route, respx.Route]:
    listed = respx.get(f"{API}/orders/4821/notes").mock(
        return_value=httpx.Response(200, content=notes)
    )
    added = respx.post(f"{API}/orders/4821/notes").mock(
        return_value=httpx.Response(201, json={"id": 300, "note": NOTE, "customer_note": True})
    )
    updated = respx.put(f"{API}/orders/4821").mock(
        return_value=httpx.Response(200, json={"id": 4821, "status": "completed"})
    )
    return listed, added, updated


@respx.mock
async def test_a_customer_note_is_added_and_the_order_completed(http: PartnerHttp) -> None:
    listed, added, updated = routes()
    await connector.push_shipment(CONNECTION, SHIPMENT, http)
    assert listed.call_count == added.call_count == updated.call_count == 1
    assert json.loads(added.calls.last.request.content) == {"note": NOTE, "customer_note": True}
    assert json.loads(updated.calls.last.request.content) == {"status": "completed"}
    assert added.calls.last.request.headers["authorization"].startswith("Basic ")


@respx.mock
async def test_a_partial_shipment_leaves_the_status_alone(http: PartnerHttp) -> None:
    _, added, updated = routes()
    partial = msgspec.structs.replace(SHIPMENT, complete=False, service=None, tracking_url=None)
    await connector.push_shipment(CONNECTION, partial, http)
    assert json.loads(added.calls.last.request.content)["note"] == (
        "Shipped with Royal Mail: tracking RM987654321GB (ref shp_01J9ZZZZZZZZZZZZZZZZZZZZZZ)"
    )
    assert updated.call_count == 0


@respx.mock
async def test_a_note_with_this_tracking_number_is_not_added_again(http: PartnerHttp) -> None:
    already = msgspec.structs.replace(SHIPMENT, tracking_number="RM123456785GB")
    _, added, updated = routes((FIXTURES / "order_notes.json").read_bytes())
    await connector.push_shipment(CONNECTION, already, http)
    assert added.call_count == 0
    assert updated.call_count == 1  # completing twice is harmless


@respx.mock
async def test_a_note_with_this_shipments_marker_is_not_added_again(http: PartnerHttp) -> None:
    untracked = msgspec.structs.replace(
        SHIPMENT, shipment_id="shp_01J0000000000000000000000", tracking_number=None
    )
    _, added, _ = routes((FIXTURES / "order_notes.json").read_bytes())
    await connector.push_shipment(CONNECTION, untracked, http)
    assert added.call_count == 0


@respx.mock
async def test_pushing_twice_adds_one_note(http: PartnerHttp) -> None:
    kept: list[dict[str, object]] = []

    def add(request: httpx.Request) -> httpx.Response:
        kept.append({"id": len(kept) + 1, **json.loads(request.content)})
        return httpx.Response(201, json=kept[-1])

    respx.get(f"{API}/orders/4821/notes").mock(side_effect=lambda _: httpx.Response(200, json=kept))
    respx.post(f"{API}/orders/4821/notes").mock(side_effect=add)
    respx.put(f"{API}/orders/4821").mock(return_value=httpx.Response(200, json={}))
    await connector.push_shipment(CONNECTION, SHIPMENT, http)
    await connector.push_shipment(CONNECTION, SHIPMENT, http)
    assert [note["note"] for note in kept] == [NOTE]


@respx.mock
async def test_401_is_fatal_without_secrets(http: PartnerHttp) -> None:
    respx.get(f"{API}/orders/4821/notes").mock(
        return_value=httpx.Response(401, json={"message": SECRET})
    )
    with pytest.raises(FatalError) as raised:
        await connector.push_shipment(CONNECTION, SHIPMENT, http)
    text = f"{raised.value!s} {raised.value!r}"
    assert KEY not in text and SECRET not in text
