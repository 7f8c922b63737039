"""Invoices, receipts and credit notes over HTTP with the real worker, on SQLite and PostgreSQL:
a call-centre order paid by bank transfer is invoiced when paid; a cancelled invoiced order
gets its credit note; bad requests are 422s naming the field with nothing written; the PDF
is read back (number, totals, non-Latin names); the list pages for accountants.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from facturx import get_xml_from_pdf
from litestar.testing import AsyncTestClient
from pypdf import PdfReader

from hub.bootstrap import Hub
from hub.config import Settings
from tests.support.documents import client_and_hub, config, configured, run_jobs

PHONE = {"code": "phone", "connector": "callcentre", "settings": {"invoice_on": "paid"}}
BUYER = {
    "name": "Zofia Müller",
    "company": "東京商事 Łódź Sp. z o.o.",
    "line1": "ul. Piotrkowska 17",
    "city": "Łódź",
    "postal_code": "90-406",
    "country": "PL",
}


@pytest.fixture
async def world(settings: Settings, tmp_path: Path) -> AsyncIterator[tuple[AsyncTestClient, Hub]]:
    async for pair in client_and_hub(configured(settings, tmp_path, config([PHONE]))):
        yield pair


def body(external_id: str, *, paid: bool, address: bool = True, **more: Any) -> dict[str, Any]:
    """Two lines and shipping, tax included at 19 % (the series' default) and 7 % (the mug)."""
    data: dict[str, Any] = {
        "external_id": external_id,
        "currency": "EUR",
        "customer": {"name": "Zofia Müller", "email": "zofia@example.com"},
        "lines": [
            {"sku": "TEE", "name": "Koszulka „Łódź“", "quantity": 2, "unit_price": 2500},
            {"sku": "MUG", "name": "東京 mug", "quantity": 1, "unit_price": 1070,
             "tax_rate": "7"},
        ],
        "shipping": {"method": "DHL", "price": 490},
        "totals": {"subtotal": 6070, "shipping": 490, "tax_included": True, "total": 6560},
        "payment": {"status": "paid" if paid else "pending"},
        **more,
    }  # fmt: skip
    if address:
        data["billing_address"] = BUYER
        data["shipping_address"] = BUYER
    return data


async def post_order(client: AsyncTestClient, auth: dict[str, str], data: dict[str, Any]) -> str:
    r = await client.post("/orders", json=data, headers=auth)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def text_of(pdf: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


async def test_call_centre_order_paid_by_bank_transfer_is_invoiced(
    world: tuple[AsyncTestClient, Hub], auth: dict[str, str]
) -> None:
    client, hub = world
    order_id = await post_order(client, auth, body("CC-1", paid=False, channel="phone"))
    await run_jobs(hub)
    assert (await client.get(f"/orders/{order_id}/documents", headers=auth)).json()["items"] == []

    transfer = {"kind": "capture", "amount": 6560, "method": "bank_transfer",
                "reference": "SEPA-2026-0042"}  # fmt: skip
    r = await client.post(f"/orders/{order_id}/payments", json=transfer, headers=auth)
    assert r.status_code == 201, r.text
    (doc,) = (await client.get(f"/orders/{order_id}/documents", headers=auth)).json()["items"]
    assert (doc["kind"], doc["number"], doc["series"]) == ("invoice", "INV-2026-00001", "inv")
    assert (doc["gross"], doc["pdf_ready"], doc["einvoice"]) == (6560, False, True)
    # tax included: 19 % of the tees and the shipping, 7 % of the mug
    assert [(s["rate"], s["net"], s["tax"], s["gross"]) for s in doc["summary"]] == [
        ("19", 4614, 876, 5490),
        ("7", 1000, 70, 1070),
    ]
    r = await client.get(f"/documents/{doc['id']}/pdf", headers=auth)
    assert r.status_code == 409  # rendered by the worker, not in the request

    await run_jobs(hub)
    r = await client.get(f"/documents/{doc['id']}/pdf", headers=auth)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = text_of(r.content)
    for shown in ("INV-2026-00001", "65,60", "Zofia Müller", "Łódź", "東京商事", "東京 mug"):
        assert shown in text, shown
    name, xml = get_xml_from_pdf(r.content, check_xsd=True)
    assert name == "factur-x.xml" and b"INV-2026-00001" in xml

    order = (await client.get(f"/orders/{order_id}", headers=auth)).json()
    issued = [e for e in order["timeline"] if e["kind"] == "document_issued"]
    assert [e["detail"] for e in issued] == [
        {"document_id": doc["id"], "kind": "invoice", "number": "INV-2026-00001", "series": "inv"}
    ]
    one = (await client.get(f"/documents/{doc['id']}", headers=auth)).json()
    assert one["content"]["buyer"]["address"]["city"] == "Łódź" and one["pdf_ready"] is True


async def test_cancelled_invoiced_order_gets_a_credit_note(
    world: tuple[AsyncTestClient, Hub], auth: dict[str, str]
) -> None:
    client, hub = world
    order_id = await post_order(client, auth, body("CC-2", paid=True))
    r = await client.post(f"/orders/{order_id}/invoice", json={}, headers=auth)
    assert r.status_code == 201, r.text
    invoice = r.json()
    again = await client.post(f"/orders/{order_id}/invoice", headers=auth)
    assert again.status_code == 409

    r = await client.post(f"/orders/{order_id}/cancel", json={"reason": "buyer"}, headers=auth)
    assert r.status_code == 200, r.text
    await run_jobs(hub)
    docs = (await client.get(f"/orders/{order_id}/documents", headers=auth)).json()["items"]
    assert [(d["kind"], d["number"]) for d in docs] == [
        ("invoice", "INV-2026-00001"),
        ("credit_note", "CN-2026-00001"),
    ]
    note = (await client.get(f"/documents/{docs[1]['id']}", headers=auth)).json()
    assert note["credits_id"] == invoice["id"] and note["gross"] == invoice["gross"]
    assert note["content"]["credited_invoice"] == "INV-2026-00001"
    pdf = (await client.get(f"/documents/{docs[1]['id']}/pdf", headers=auth)).content
    assert "INV-2026-00001" in text_of(pdf) and "CN-2026-00001" in text_of(pdf)
    # everything is credited: another credit note is refused, naming what
    r = await client.post(f"/orders/{order_id}/credit-notes", json={}, headers=auth)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "lines"


async def test_bad_requests_are_refused_and_burn_no_number(
    world: tuple[AsyncTestClient, Hub], auth: dict[str, str]
) -> None:
    client, _ = world
    nowhere = await post_order(client, auth, body("CC-3", paid=True, address=False))
    r = await client.post(f"/orders/{nowhere}/invoice", headers=auth)
    assert r.status_code == 422, r.text
    assert r.json()["errors"] == [
        {"field": "billing_address", "reason": "an invoice needs a billing or shipping address"}
    ]
    r = await client.post(f"/orders/{nowhere}/credit-notes", headers=auth)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "invoice"
    assert (await client.get(f"/orders/{nowhere}/documents", headers=auth)).json()["items"] == []
    assert (await client.get("/orders/nope/documents", headers=auth)).status_code == 404

    order_id = await post_order(client, auth, body("CC-4", paid=True))
    r = await client.post(f"/orders/{order_id}/invoice", headers=auth)
    assert r.json()["number"] == "INV-2026-00001"  # the refusals took no number
    too_many = {"lines": [{"position": 2, "quantity": 2}]}
    r = await client.post(f"/orders/{order_id}/credit-notes", json=too_many, headers=auth)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "lines[2].quantity"
    part = {"lines": [{"position": 1, "quantity": 1}], "note": "one tee came back"}
    r = await client.post(f"/orders/{order_id}/credit-notes", json=part, headers=auth)
    assert r.status_code == 201, r.text
    assert (r.json()["number"], r.json()["gross"]) == ("CN-2026-00001", 2500)


async def test_documents_list_pages_by_series_and_date(
    world: tuple[AsyncTestClient, Hub], auth: dict[str, str]
) -> None:
    client, _ = world
    for i in range(3):
        order_id = await post_order(client, auth, body(f"CC-L{i}", paid=True))
        assert (await client.post(f"/orders/{order_id}/invoice", headers=auth)).status_code == 201
    first = (await client.get("/documents?limit=2&series=inv", headers=auth)).json()
    assert [d["number"] for d in first["items"]] == ["INV-2026-00001", "INV-2026-00002"]
    rest = (
        await client.get(f"/documents?limit=2&series=inv&cursor={first['next_cursor']}",
                         headers=auth)
    ).json()  # fmt: skip
    assert [d["number"] for d in rest["items"]] == ["INV-2026-00003"]
    assert rest["next_cursor"] is None
    later = (await client.get("/documents?since=2999-01-01", headers=auth)).json()
    assert later == {"items": [], "next_cursor": None}
    assert (await client.get("/documents?series=till", headers=auth)).json()["items"] == []
    assert (await client.get("/documents?sort=x", headers=auth)).status_code == 400


async def test_refunds_after_invoicing(
    world: tuple[AsyncTestClient, Hub], auth: dict[str, str]
) -> None:
    """A partial refund flags the order for an operator to say which lines; refunding the
    rest credits whatever is not credited yet."""
    client, hub = world
    order_id = await post_order(client, auth, body("CC-R", paid=True))
    assert (await client.post(f"/orders/{order_id}/invoice", headers=auth)).status_code == 201
    refund = {"kind": "refund", "method": "bank_transfer"}
    r = await client.post(
        f"/orders/{order_id}/payments", json=refund | {"amount": 1070, "reference": "RF-1"},
        headers=auth,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    order = (await client.get(f"/orders/{order_id}", headers=auth)).json()
    flag = order["timeline"][-1]
    assert flag["kind"] == "document_refused"
    assert flag["detail"]["reason"].startswith("a refund of 1070 (minor units) after INV-2026-")
    mug = {"lines": [{"position": 2, "quantity": 1}]}
    r = await client.post(f"/orders/{order_id}/credit-notes", json=mug, headers=auth)
    assert (r.status_code, r.json()["gross"]) == (201, 1070)

    r = await client.post(
        f"/orders/{order_id}/payments", json=refund | {"amount": 5490, "reference": "RF-2"},
        headers=auth,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    await run_jobs(hub)
    docs = (await client.get(f"/orders/{order_id}/documents", headers=auth)).json()["items"]
    assert [(d["number"], d["gross"]) for d in docs] == [
        ("INV-2026-00001", 6560), ("CN-2026-00001", 1070), ("CN-2026-00002", 5490),
    ]  # fmt: skip
    last = (await client.get(f"/documents/{docs[2]['id']}", headers=auth)).json()
    assert last["content"]["payment_status"] == "refunded"
    assert [ln["sku"] for ln in last["content"]["lines"]] == ["TEE"]
    assert last["content"]["shipping"]["name"] == "DHL"
