"""Invoices, receipts and credit notes rendered to PDF: text read back, fonts, locales, pages."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import msgspec
import pytest
import segno
from pypdf import PdfReader

from hub.domain.credit_notes import credit_note_content
from hub.domain.documents import DocumentContent, Seller, invoice_content
from hub.domain.order import Address, Order
from hub.render import einvoice_obstacle, render_document
from hub.render.formatting import Formatter
from tests.conftest import PAYLOADS

SELLER = Seller(
    name="Kiez Supply GmbH",
    address=Address(line1="Torstraße 1", city="Berlin", postal_code="10119", country="DE"),
    vat_id="DE123456789",
    tax_id="37/123/45678",
    iban="DE02120300000000202051",
    bic="BYLADEM1001",
    footer="Amtsgericht Charlottenburg HRB 123456",
)


def order(company: str = "Włókna Trading Sp. z o.o.", **changes: Any) -> Order:
    data = msgspec.json.decode((PAYLOADS / "order_callcentre.json").read_bytes())
    data["billing_address"] = {
        "name": "Zofia Müller",
        "company": company,
        "line1": "ul. Piotrkowska 17",
        "city": "Łódź",
        "postal_code": "90-406",
        "country": "PL",
    }
    data.update(
        id="ord_1", number="H-1042", public_ref="pr_7QxK2", status="shipped",
        received_at="2025-03-14T09:22:30Z", updated_at="2025-03-14T09:22:30Z", **changes,
    )  # fmt: skip
    return msgspec.convert(data, Order)


def content(locale: str = "de_DE", company: str | None = None, **kw: Any) -> DocumentContent:
    return invoice_content(
        order(company) if company else order(), number="INV-2025-0001",
        issue_date=date(2025, 3, 20), seller=SELLER, default_rate="19", locale=locale,
        buyer_vat_id="PL5260250274", **kw,
    )  # fmt: skip


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def plain(s: str) -> str:
    return s.replace("\u00a0", " ").replace("\u202f", " ")


def test_the_pdf_says_the_number_the_totals_and_the_names_in_any_script() -> None:
    doc = content(company="東京 Trading / 서울 지사 / Θεσσαλονίκη")
    text = text_of(render_document(doc))
    f = Formatter("de_DE")
    assert "INV-2025-0001" in text
    assert "Rechnung" in text
    assert plain(f.money(7015, "EUR")) == "70,15 €"
    for amount in (doc.totals.gross, doc.totals.net, doc.totals.tax):
        assert plain(f.money(amount, "EUR")) in text
    for name in ("Łódź", "Müller", "東京", "서울", "Θεσσαλονίκη", "Torstraße"):
        assert name in text
    # the line after one that starts and ends in fallback fonts prints in its own font
    assert "東京 Trading / 서울 지사 / Θεσσαλονίκη\nZofia Müller" in text
    assert "20.03.2025" in text  # the issue date, as a German reader writes it
    assert "19 %" in text


@pytest.mark.parametrize(
    ("locale", "total", "title", "issued"),
    [
        ("en_US", "€70.15", "Invoice", "Mar 20, 2025"),
        ("en_GB", "€70.15", "Invoice", "20 Mar 2025"),
        ("fr_FR", "70,15 €", "Facture", "20 mars 2025"),
    ],
)
def test_money_dates_and_words_follow_the_locale(
    locale: str, total: str, title: str, issued: str
) -> None:
    text = text_of(render_document(content(locale)))
    assert total in text and title in text and issued in text


def test_the_same_content_renders_to_the_same_bytes() -> None:
    doc = content()
    assert render_document(doc) == render_document(doc)


def test_documents_rendered_one_after_another_keep_their_own_text() -> None:
    # fonts are parsed once per process and copied: no glyph of one may leak into another
    first = text_of(render_document(content()))
    other = invoice_content(
        order(billing_address={"name": "Ærø Ødegård", "line1": "Vesterbro 9", "city": "Ærøskøbing", "country": "DK"}),  # noqa: E501
        number="INV-2025-0002", issue_date=date(2025, 3, 21), seller=SELLER, default_rate="19",
        locale="en_GB",
    )  # fmt: skip
    second = text_of(render_document(other))
    assert "Ærøskøbing" in second and "INV-2025-0002" in second and "€70.15" in second
    assert "Łódź" not in second and "Ærøskøbing" not in first


def test_a_long_invoice_breaks_pages_and_repeats_the_table_head() -> None:
    lines = [
        {"sku": f"SKU-{i:03}", "name": f"Article number {i} with a name long enough to wrap "
         "onto a second line of its cell", "quantity": 1, "unit_price": 100}
        for i in range(60)
    ]  # fmt: skip
    doc = invoice_content(
        order(
            lines=lines, shipping={"price": 0},
            totals={"subtotal": 6000, "total": 6000, "tax": 0, "tax_included": True},
        ),
        number="INV-2025-0003", issue_date=date(2025, 3, 20), seller=SELLER, default_rate="19",
        locale="en_GB",
    )  # fmt: skip
    reader = PdfReader(io.BytesIO(render_document(doc)))
    assert len(reader.pages) >= 3
    pages = [p.extract_text() for p in reader.pages]
    assert all("Unit price" in p for p in pages[:-1])
    assert f"Page 1 of {len(pages)}" in pages[0]
    assert "SKU-059" in "".join(pages) and "€60.00" in pages[-1]


def test_a_credit_note_names_the_invoice_it_corrects() -> None:
    note = credit_note_content(
        content(), number="CN-2025-0001", issue_date=date(2025, 3, 25), lines={2: 1}
    )
    text = text_of(render_document(note))
    assert "Gutschrift" in text and "CN-2025-0001" in text and "INV-2025-0001" in text
    assert "13,05 €" in text and "Wird erstattet" in text


def test_a_receipt_and_a_kwd_invoice_carry_no_e_invoice() -> None:
    receipt = invoice_content(
        order(), number="R-1", issue_date=date(2025, 3, 20), seller=SELLER, default_rate="19",
        kind="receipt",
    )  # fmt: skip
    assert einvoice_obstacle(receipt) == "a receipt is not an EN 16931 invoice"
    pdf = render_document(receipt)
    assert "Receipt" in text_of(pdf) and not PdfReader(io.BytesIO(pdf)).attachments
    kwd = msgspec.structs.replace(content(), currency="KWD")
    assert "three" in (einvoice_obstacle(kwd) or "")
    no_vat = msgspec.structs.replace(content(), seller=msgspec.structs.replace(SELLER, vat_id=None))
    assert "VAT" in (einvoice_obstacle(no_vat) or "")


def test_jpy_has_no_decimals() -> None:
    data = msgspec.json.decode((PAYLOADS / "order_tax_exclusive_jpy.json").read_bytes())
    data.update(
        id="o",
        number="H-7",
        public_ref="pr",
        status="shipped",
        received_at="2025-03-15T00:00:00Z",
        updated_at="2025-03-15T00:00:00Z",
    )
    doc = invoice_content(
        msgspec.convert(data, Order), number="INV-JP-1", issue_date=date(2025, 3, 20),
        seller=SELLER, default_rate="10", locale="en_US",
    )  # fmt: skip
    text = text_of(render_document(doc))
    assert "¥3,806" in text and "¥3,806.00" not in text and "東京" not in text


def test_documents_rendered_in_threads_do_not_mix() -> None:
    # a job may render in a worker thread: the shared parsed fonts must not carry state
    docs = [
        msgspec.structs.replace(content(locale="en_GB"), number=f"INV-T-{i:03}") for i in range(6)
    ]
    with ThreadPoolExecutor(max_workers=3) as pool:
        texts = list(pool.map(lambda d: text_of(render_document(d)), docs))
    for i, text in enumerate(texts):
        assert f"INV-T-{i:03}" in text and "Zofia Müller" in text and "€70.15" in text


def test_a_logo_is_drawn_from_its_bytes() -> None:
    png = io.BytesIO()
    segno.make("Kiez").save(png, kind="png", scale=4)
    seller = msgspec.structs.replace(SELLER, logo=png.getvalue())
    doc = msgspec.structs.replace(content(), seller=seller)
    page = PdfReader(io.BytesIO(render_document(doc))).pages[0]
    assert len(page.images) == 1
