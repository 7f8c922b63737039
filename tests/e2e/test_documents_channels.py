"""Documents from the channels' own paths, signed webhooks over HTTP into the real app and
worker, on SQLite and PostgreSQL: a Shopify order held ``awaiting_payment`` until
``orders/paid`` arrives is released, then invoiced when it ships (``invoice_on: shipped``,
with Shopify's tax rate on each line); a Square till sale gets a receipt of the till's own
series. The partners' APIs are faked at their edge (respx)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from litestar.testing import AsyncTestClient
from pypdf import PdfReader

from hub.bootstrap import Hub
from hub.config import Settings
from tests.e2e.test_live_channels import (
    SQUARE,
    SQUARE_BASE,
    SQUARE_BODY,
    SQUARE_CATALOG,
    SQUARE_ORDER,
    SQUARE_ORDER_ID,
    SQUARE_TOKEN,
)
from tests.e2e.test_payments_shopify import PAID, PENDING, SECRET, deliver, stock
from tests.support.documents import client_and_hub, config, configured, run_jobs

CONNECTIONS: list[dict[str, Any]] = [
    {
        "code": "shopify-eu",
        "connector": "shopify",
        "secrets": {"webhook_secret": {"env": "DOCS_SHOPIFY_SECRET"}},
    },
    {
        "code": "square-pos",
        "connector": "square",
        "base_url": SQUARE_BASE,
        "settings": {"notification_url": SQUARE["notification_url"]},
        "secrets": {
            "signature_key": {"env": "DOCS_SQUARE_SIGNATURE_KEY"},
            "access_token": {"env": "DOCS_SQUARE_ACCESS_TOKEN"},
        },
    },
]


@pytest.fixture
async def world(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[AsyncTestClient, Hub]]:
    monkeypatch.setenv("DOCS_SHOPIFY_SECRET", SECRET)
    monkeypatch.setenv("DOCS_SQUARE_SIGNATURE_KEY", SQUARE["secret"])
    monkeypatch.setenv("DOCS_SQUARE_ACCESS_TOKEN", SQUARE_TOKEN)
    async for pair in client_and_hub(configured(settings, tmp_path, config(CONNECTIONS))):
        yield pair


@pytest.fixture
def square() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        router.get(f"{SQUARE_BASE}/v2/orders/{SQUARE_ORDER_ID}").mock(
            return_value=httpx.Response(200, content=SQUARE_ORDER)
        )
        router.post(f"{SQUARE_BASE}/v2/catalog/batch-retrieve").mock(
            return_value=httpx.Response(200, content=SQUARE_CATALOG)
        )
        yield router


async def documents_of(
    client: AsyncTestClient, auth: dict[str, str], order_id: str
) -> list[dict[str, Any]]:
    r = await client.get(f"/orders/{order_id}/documents", headers=auth)
    assert r.status_code == 200, r.text
    found: list[dict[str, Any]] = r.json()["items"]
    return found


async def test_shopify_order_paid_then_invoiced_on_shipment(
    world: tuple[AsyncTestClient, Hub], auth: dict[str, str]
) -> None:
    client, hub = world
    await stock(client, auth)
    assert await deliver(client, "orders_create_pending", PENDING["headers"]) == 202
    await run_jobs(hub)
    (order,) = (await client.get("/orders", headers=auth)).json()["items"]
    assert order["status"] == "on_hold"

    assert await deliver(client, "orders_paid", PAID["headers"]) == 202
    await run_jobs(hub)
    order = (await client.get(f"/orders/{order['id']}", headers=auth)).json()
    assert order["status"] == "released"
    assert await documents_of(client, auth, order["id"]) == []  # invoice_on: shipped

    (work,) = (await client.get("/fulfilments", headers=auth)).json()["items"]
    parcel = {
        "carrier": "DHL",
        "tracking_number": "JD0002",
        "lines": [{"sku": ln["sku"], "quantity": ln["quantity"]} for ln in work["lines"]],
    }
    r = await client.post(f"/fulfilments/{work['id']}/shipments", json=parcel, headers=auth)
    assert r.status_code in (200, 201), r.text
    await run_jobs(hub)
    (invoice,) = await documents_of(client, auth, order["id"])
    assert (invoice["kind"], invoice["number"], invoice["gross"]) == (
        "invoice", "INV-2026-00001", 7015,
    )  # fmt: skip
    assert [s["rate"] for s in invoice["summary"]] == ["19"]  # Shopify's tax_lines[].rate
    assert invoice["pdf_ready"] and invoice["einvoice"]
    pdf = (await client.get(f"/documents/{invoice['id']}/pdf", headers=auth)).content
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "INV-2026-00001" in text and "70,15" in text


async def test_square_till_sale_gets_a_receipt(
    world: tuple[AsyncTestClient, Hub], auth: dict[str, str], square: respx.MockRouter
) -> None:
    client, hub = world
    till = {"code": "store-1", "name": "Berlin store", "kind": "store",
            "connection": "square-pos"}  # fmt: skip
    assert (await client.post("/locations", json=till, headers=auth)).status_code == 201
    r = await client.post(
        "/webhooks/square-pos",
        content=SQUARE_BODY,
        headers={**SQUARE["headers"], "Content-Type": "application/json"},
    )
    assert r.status_code == 202, r.text
    await run_jobs(hub)
    (order,) = (await client.get("/orders", headers=auth)).json()["items"]
    assert order["status"] == "delivered"
    (receipt,) = await documents_of(client, auth, order["id"])
    assert (receipt["kind"], receipt["series"], receipt["number"]) == (
        "receipt", "till", "BER-00001",
    )  # fmt: skip
    assert (receipt["gross"], receipt["tax"], receipt["einvoice"]) == (4192, 342, False)
    assert [s["rate"] for s in receipt["summary"]] == ["8.875"]  # Square's tax percentage
    one = (await client.get(f"/documents/{receipt['id']}", headers=auth)).json()
    assert one["content"]["buyer"] is None  # an anonymous till sale
    pdf = (await client.get(f"/documents/{receipt['id']}/pdf", headers=auth)).content
    assert "BER-00001" in "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
