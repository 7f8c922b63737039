"""The printed face of an invoice, receipt or credit note (without the embedded e-invoice)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, time

import msgspec

from hub.domain.documents import Buyer, DocumentContent, DocumentLine, Seller
from hub.domain.order import Address
from hub.render.formatting import Formatter
from hub.render.sheet import Column, Sheet


def address_lines(address: Address | None) -> list[str]:
    if address is None:
        return []
    city = " ".join(x for x in (address.postal_code, address.city) if x)
    return [
        address.line1,
        address.line2 or "",
        city,
        address.region or "",
        address.country,
    ]


def _buyer_lines(buyer: Buyer | None, f: Formatter) -> list[str]:
    if buyer is None:
        return []
    return [
        buyer.company or "",
        buyer.name or "",
        *address_lines(buyer.address),
        buyer.email or "",
        f"{f('vat_id')} {buyer.vat_id}" if buyer.vat_id else "",
    ]


def document_text(content: DocumentContent, f: Formatter) -> str:
    """Every character the document may print, to choose its fonts."""
    seller = msgspec.structs.replace(content.seller, logo=None)
    data = msgspec.structs.replace(content, seller=seller)
    return (
        msgspec.json.encode(data).decode()
        + f.money(0, content.currency)
        + "".join(f.words.values())
    )


def _footer(seller: Seller, f: Formatter) -> list[str]:
    where = ", ".join(
        x for x in [seller.address.line1, seller.address.postal_code, seller.address.city] if x
    )
    ids = " · ".join(
        x
        for x in [
            f"{f('vat_id')} {seller.vat_id}" if seller.vat_id else "",
            f"{f('tax_id')} {seller.tax_id}" if seller.tax_id else "",
        ]
        if x
    )
    bank = " · ".join(
        x
        for x in [
            seller.bank_name or "",
            f"IBAN {seller.iban}" if seller.iban else "",
            f"BIC {seller.bic}" if seller.bic else "",
        ]
        if x
    )
    lines = [f"{seller.name} · {where}", ids, bank, seller.footer or ""]
    return [x for x in lines if x]


def _logo(sheet: Sheet, seller: Seller) -> None:
    source: object = io.BytesIO(seller.logo) if seller.logo else seller.logo_path
    if source:
        sheet.image(
            source, x=sheet.w - sheet.r_margin - 40, y=12, w=40, h=16, keep_aspect_ratio=True
        )


def _head(sheet: Sheet, doc: DocumentContent, f: Formatter) -> None:
    seller = doc.seller
    _logo(sheet, seller)
    sheet.set_xy(sheet.l_margin, 14)
    sheet.text_line(seller.name, size=13, bold=True, h=6)
    sheet.text_line(" · ".join(x for x in address_lines(seller.address) if x), size=7.5)
    top = 36.0
    left = sheet.block(sheet.l_margin, top, 80, f("bill_to"), _buyer_lines(doc.buyer, f))
    if doc.ship_to is not None and (doc.buyer is None or doc.ship_to != doc.buyer.address):
        left = sheet.block(sheet.l_margin, left + 3, 80, f("ship_to"), address_lines(doc.ship_to))
    x = sheet.l_margin + 95
    sheet.set_xy(x, top - 2)
    sheet.set_font(sheet.font_family, "", 16)
    with sheet.bold():
        sheet.cell(sheet.epw - 95, 8, f(doc.kind), align="R")
    sheet.set_font(sheet.font_family, "", 9)
    rows = [
        (f("number"), doc.number),
        (f("date"), f.date(doc.issue_date)),
        (f("credits_invoice"), doc.credited_invoice or ""),
        (f("order"), doc.external_number or doc.order_number),
        (f("order_date"), f.date(doc.order_date)),
        (f("reference"), doc.public_ref),
        (f("due_date"), f.date(doc.due_date)),
    ]
    right = sheet.pairs(x, top + 8, [r for r in rows if r[1]], sheet.epw - 95)
    sheet.set_xy(sheet.l_margin, max(left, right) + 8)


def _columns(doc: DocumentContent, f: Formatter) -> list[Column]:
    columns = [
        Column("pos", "#", 7),
        Column("sku", f("sku"), 29),
        Column("item", f("item"), 0),
        Column("qty", f("qty"), 12, "R"),
        Column("unit_price", f("unit_price"), 24, "R"),
        Column("discount", f("discount"), 20, "R"),
        Column("rate", f("tax_rate"), 14, "R"),
        Column("amount", f("amount"), 26, "R"),
    ]
    every = [*doc.lines, *([doc.shipping] if doc.shipping else [])]
    if not any(line.discount for line in every):
        columns = [c for c in columns if c.key != "discount"]
    return columns


def _row(line: DocumentLine, doc: DocumentContent, f: Formatter) -> dict[str, str]:
    money = doc.currency
    shipping = line.kind == "shipping"
    amount = line.gross if doc.totals.tax_included else line.net
    return {
        "pos": "" if shipping else str(line.position),
        "sku": line.sku or "",
        "item": f"{f('shipping')}: {line.name}" if shipping else line.name,
        "qty": f.number(line.quantity),
        "unit_price": f.money(line.unit_price, money),
        "discount": f.money(line.discount, money) if line.discount else "",
        "rate": f.rate(line.tax_rate),
        "amount": f.money(amount, money),
    }


def _lines(sheet: Sheet, doc: DocumentContent, f: Formatter) -> None:
    columns = _columns(doc, f)
    sheet.table_head(columns)
    for line in [*doc.lines, *([doc.shipping] if doc.shipping else [])]:
        sheet.table_row(columns, _row(line, doc, f))


def _summary(sheet: Sheet, doc: DocumentContent, f: Formatter) -> None:
    money = doc.currency
    columns = [
        Column("rate", f("rate"), 0),
        Column("net", f("net"), 28, "R"),
        Column("tax", f("tax"), 28, "R"),
        Column("gross", f("gross"), 28, "R"),
    ]
    sheet.ln(4)
    sheet.set_x(sheet.l_margin)
    sheet.table_head(columns)
    for s in doc.summary:
        values = {
            "rate": f.rate(s.rate),
            "net": f.money(s.net, money),
            "tax": f.money(s.tax, money),
            "gross": f.money(s.gross, money),
        }
        sheet.table_row(columns, values)
    t = doc.totals
    total = f("total_credit") if doc.kind == "credit_note" else f("total")
    if sheet.get_y() + 24 > sheet.page_break_trigger:
        sheet.add_page()
    x = sheet.l_margin + sheet.epw - 84
    sheet.set_font(sheet.font_family, "", 9)
    y = sheet.pairs(
        x,
        sheet.get_y() + 3,
        [(f("total_net"), f.money(t.net, money)), (f("total_tax"), f.money(t.tax, money))],
        84,
    )
    sheet.total(x, y + 1, total, f.money(t.gross, money), 84)


def _payment(sheet: Sheet, doc: DocumentContent, f: Formatter) -> None:
    sheet.ln(6)
    status = (
        f(f"status.{doc.payment_status}")
        if f"status.{doc.payment_status}" in f.words
        else doc.payment_status
    )
    sheet.text_line(f"{f('payment')}: {status}", bold=True)
    if doc.due_date is not None:
        sheet.text_line(f("pay_by").format(date=f.date(doc.due_date), number=doc.number))
        seller = doc.seller
        if seller.iban:
            bank = " · ".join(
                x
                for x in [
                    seller.bank_name,
                    f"IBAN {seller.iban}",
                    f"BIC {seller.bic}" if seller.bic else None,
                ]
                if x
            )
            sheet.text_line(bank)
    if doc.totals.tax_included:
        sheet.text_line(f("prices_include_tax"), size=8)
    if doc.note:
        sheet.set_font(sheet.font_family, "", 9)
        sheet.multi_cell(0, 4.5, doc.note, align="L")


def draw(doc: DocumentContent) -> Sheet:
    """The document drawn on a PDF/A-3B sheet, not yet written out."""
    f = Formatter(doc.locale)
    sheet = Sheet(
        title=f"{f(doc.kind)} {doc.number}",
        author=doc.seller.name,
        lang=doc.locale,
        created=datetime.combine(doc.issue_date, time(), UTC),
        text=document_text(doc, f),
        footer_lines=_footer(doc.seller, f),
        page_label=f("page"),
    )
    _head(sheet, doc, f)
    _lines(sheet, doc, f)
    _summary(sheet, doc, f)
    _payment(sheet, doc, f)
    return sheet
