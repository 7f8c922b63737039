"""Warehouse papers on the documents' engine: the pick list and the packing slip.

The packing slip's QR code (segno) holds the public tracking URL, or the bare reference when
the hub has no public base URL; it is drawn as vector squares, so it stays sharp at any print
resolution and needs no image codec.
"""

from __future__ import annotations

import msgspec
import segno

from hub.domain.papers import PackingSlip, PickList
from hub.render.formatting import Formatter
from hub.render.invoice import address_lines
from hub.render.sheet import BLACK, GREY, Column, Sheet

QR_ERROR = "m"


def _text(content: msgspec.Struct, f: Formatter) -> str:
    return msgspec.json.encode(content).decode() + "".join(f.words.values())


def render_pick_list(pick: PickList) -> bytes:
    """One row per SKU in bin order: bin, SKU, name, total, and the orders it goes to."""
    f = Formatter(pick.locale)
    sheet = Sheet(
        title=f"{f('pick_list')} {pick.location}",
        author="hub",
        lang=pick.locale,
        created=pick.created_at,
        text=_text(pick, f),
        page_label=f("page"),
    )
    sheet.text_line(f"{f('pick_list')} · {pick.location}", size=16, bold=True, h=9)
    sheet.text_line(
        f"{f('created')} {f.datetime(pick.created_at)} · {f('fulfilments')} "
        f"{f.number(len(pick.fulfilments))} · {f('units')} {f.number(pick.units)}"
    )
    sheet.ln(4)
    columns = [
        Column("bin", f("bin"), 22),
        Column("sku", f("sku"), 34),
        Column("name", f("item"), 0),
        Column("qty", f("qty"), 14, "R"),
        Column("to", f("goes_to"), 52, wrap=True),
    ]
    sheet.table_head(columns)
    for row in pick.rows:
        targets = ", ".join(f"{t.order_number} \u00d7{t.quantity}" for t in row.targets)
        values = {
            "bin": row.bin or f("no_bin"),
            "sku": row.sku,
            "name": row.name or "",
            "qty": f.number(row.quantity),
            "to": targets,
        }
        sheet.table_row(columns, values)
    return sheet.output_bytes()


def slip_qr(slip: PackingSlip) -> segno.QRCode:
    """The QR code printed on ``slip``: its tracking URL, else its public reference."""
    return segno.make(slip.tracking_url or slip.public_ref, error=QR_ERROR)


def draw_qr(sheet: Sheet, qr: segno.QRCode, x: float, y: float, size: float) -> None:
    """``qr`` as filled squares in a ``size`` mm square at (x, y), one rectangle per run."""
    modules = qr.symbol_size(border=0)[0]
    step = size / modules
    sheet.set_fill_color(*BLACK)
    for r, row in enumerate(qr.matrix):
        c = 0
        while c < modules:
            if row[c]:
                start = c
                while c < modules and row[c]:
                    c += 1
                sheet.rect(x + start * step, y + r * step, (c - start) * step, step, style="F")
            else:
                c += 1


def _slip_head(sheet: Sheet, slip: PackingSlip, f: Formatter) -> float:
    sheet.set_xy(sheet.l_margin, 14)
    if slip.sender_name:
        sheet.text_line(slip.sender_name, size=11, bold=True)
    lines = [x for x in address_lines(slip.sender_address) if x]
    if lines:
        sheet.text_line(" · ".join(lines), size=7.5)
    sheet.set_xy(sheet.l_margin + 95, 14)
    sheet.set_font(sheet.font_family, "", 16)
    with sheet.bold():
        sheet.cell(sheet.epw - 95, 8, f("packing_slip"), align="R")
    sheet.set_font(sheet.font_family, "", 9)
    rows = [
        (f("order"), slip.order_number),
        (f("date"), f.date(slip.created_at.date())),
        (f("reference"), slip.public_ref),
        (f("carrier"), " ".join(x for x in (slip.carrier, slip.service) if x)),
    ]
    right = sheet.pairs(sheet.l_margin + 95, 23, [r for r in rows if r[1]], sheet.epw - 95)
    ship_to = (
        [slip.ship_to.company or "", slip.ship_to.name or slip.recipient or ""]
        if slip.ship_to
        else []
    )
    left = sheet.block(
        sheet.l_margin, 36, 85, f("ship_to"), [*ship_to, *address_lines(slip.ship_to)]
    )
    return max(left, right) + 6


def _slip_lines(sheet: Sheet, slip: PackingSlip, f: Formatter) -> None:
    columns = [
        Column("sku", f("sku"), 36),
        Column("name", f("item"), 0),
        Column("qty", f("qty"), 16, "R"),
    ]
    if not slip.gift:
        columns.append(Column("price", f("unit_price"), 28, "R"))
    sheet.table_head(columns)
    for line in slip.lines:
        values = {"sku": line.sku, "name": line.name or "", "qty": f.number(line.quantity)}
        if not slip.gift and line.unit_price is not None:
            values["price"] = f.money(line.unit_price, slip.currency)
        sheet.table_row(columns, values)


def _slip_tracking(sheet: Sheet, slip: PackingSlip, f: Formatter) -> None:
    if sheet.get_y() + 48 > sheet.page_break_trigger:
        sheet.add_page()
    top = sheet.get_y() + 8
    size = 30.0
    draw_qr(sheet, slip_qr(slip), sheet.l_margin + sheet.epw - size, top, size)
    sheet.set_xy(sheet.l_margin, top)
    width = sheet.epw - size - 8
    with sheet.bold():
        sheet.set_font(sheet.font_family, "", 10)
        sheet.cell(width, 6, f("tracking"), new_x="LEFT", new_y="NEXT")
        sheet.set_font(sheet.font_family, "", 12)
        sheet.cell(width, 7, slip.public_ref, new_x="LEFT", new_y="NEXT")
    sheet.set_font(sheet.font_family, "", 8.5)
    if slip.tracking_url:
        sheet.multi_cell(width, 4.5, slip.tracking_url, align="L", new_x="LEFT", new_y="NEXT")
    sheet.ln(3)
    sheet.set_font(sheet.font_family, "", 9)
    with sheet.bold():
        sheet.cell(width, 5, f("returns"), new_x="LEFT", new_y="NEXT")
    sheet.set_font(sheet.font_family, "", 8.5)
    sheet.set_text_color(*GREY)
    sheet.multi_cell(width, 4.5, slip.returns_note or f("returns_note"), align="L")
    sheet.set_text_color(*BLACK)


def render_packing_slip(slip: PackingSlip) -> bytes:
    """Ship-to, lines (no prices on a gift), tracking reference with its QR code, returns."""
    f = Formatter(slip.locale)
    sheet = Sheet(
        title=f"{f('packing_slip')} {slip.order_number}",
        author=slip.sender_name or "hub",
        lang=slip.locale,
        created=slip.created_at,
        text=_text(slip, f),
        page_label=f("page"),
    )
    sheet.set_y(_slip_head(sheet, slip, f))
    if slip.gift:
        sheet.text_line(f("gift"), size=12, bold=True, h=8)
    _slip_lines(sheet, slip, f)
    _slip_tracking(sheet, slip, f)
    return sheet.output_bytes()
