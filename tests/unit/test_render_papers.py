"""Warehouse papers: the pick list (SKU once, bin order) and the packing slip (gift, QR code)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import segno
from pypdf import PdfReader

from hub.domain.order import Address
from hub.domain.papers import (
    PaperFulfilment,
    PaperLine,
    bin_key,
    packing_slip,
    pick_list,
)
from hub.render import render_packing_slip, render_pick_list
from hub.render.papers import slip_qr

NOW = datetime(2025, 3, 20, 7, 30, tzinfo=UTC)
SHIP_TO = Address(
    name="Zofia Wójcik", line1="ul. Piotrkowska 17", city="Łódź", postal_code="90-406", country="PL"
)


def fulfilment(
    fid: str, number: str, lines: list[tuple[str, int]], **kw: object
) -> PaperFulfilment:
    return PaperFulfilment(
        id=fid,
        order_number=number,
        public_ref=f"pr_{fid}",
        ship_to=SHIP_TO,
        lines=[
            PaperLine(sku=sku, name=f"Name of {sku}", quantity=q, unit_price=1250)
            for sku, q in lines
        ],
        currency="EUR",
        **kw,  # type: ignore[arg-type]
    )


def text_of(pdf: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def test_a_pick_list_has_each_sku_once_in_bin_order() -> None:
    chosen = [
        fulfilment("f1", "H-1001", [("MUG", 1), ("TEE-M", 2), ("TOTE", 1)]),
        fulfilment("f2", "H-1002", [("TEE-M", 1), ("CAP", 3), ("TEE-M", 1)]),
        fulfilment("f3", "H-1003", [("MUG", 2)]),
    ]
    bins = {"MUG": "A-10", "TEE-M": "A-2", "CAP": "B-1"}
    pick = pick_list("berlin-1", chosen, bins, created_at=NOW)
    assert [(r.sku, r.bin, r.quantity) for r in pick.rows] == [
        ("TEE-M", "A-2", 4),
        ("MUG", "A-10", 3),
        ("CAP", "B-1", 3),
        ("TOTE", None, 1),  # no bin: last
    ]
    tee = pick.rows[0]
    assert [(t.order_number, t.quantity) for t in tee.targets] == [("H-1001", 2), ("H-1002", 2)]
    assert pick.units == 11 and pick.fulfilments == ["f1", "f2", "f3"]
    text = text_of(render_pick_list(pick))
    assert text.index("TEE-M") < text.index("MUG") < text.index("CAP") < text.index("TOTE")
    assert "H-1001 \u00d72, H-1002 \u00d72" in text and "berlin-1" in text


def test_bins_sort_naturally() -> None:
    labels = ["B-1", "A-10", None, "A-2", "a-3"]
    assert sorted(labels, key=bin_key) == ["A-2", "a-3", "A-10", "B-1", None]


def test_a_packing_slip_shows_ship_to_lines_prices_tracking_and_returns() -> None:
    slip = packing_slip(
        fulfilment("f1", "H-1001", [("TEE-M", 2)]),
        created_at=NOW,
        tracking_url="https://shop.example/track/pr_f1",
        sender_name="Kiez Supply GmbH",
        locale="de_DE",
    )
    assert not slip.gift and slip.lines[0].unit_price == 1250
    text = text_of(render_packing_slip(slip))
    for expected in ("Lieferschein", "H-1001", "Zofia Wójcik", "Łódź", "TEE-M", "12,50", "pr_f1"):
        assert expected in text, expected
    assert "https://shop.example/track/pr_f1" in text
    assert "Rücksendung" in text


def test_a_gift_slip_shows_no_price() -> None:
    slip = packing_slip(
        fulfilment("f2", "H-1002", [("TEE-M", 2), ("MUG", 1)], tags=["VIP", "Gift"]),
        created_at=NOW,
        tracking_url="https://shop.example/track/pr_f2",
        returns_note="Exchange within 60 days, no questions asked.",
    )
    assert slip.gift and all(line.unit_price is None for line in slip.lines)
    text = text_of(render_packing_slip(slip))
    assert "A gift for you" in text and "TEE-M" in text
    assert "12.50" not in text and "€" not in text and "Unit price" not in text
    assert "Exchange within 60 days" in text


def test_the_qr_code_holds_the_tracking_url() -> None:
    url = "https://shop.example/track/pr_f1"
    slip = packing_slip(
        fulfilment("f1", "H-1001", [("TEE-M", 1)]), created_at=NOW, tracking_url=url
    )
    qr = slip_qr(slip)
    # segno has no decoder: encoding the URL again must give the very same symbol, module by module
    assert qr.matrix == segno.make(url, error="m").matrix
    assert qr.mode == "byte" and qr.error in {"M", "Q", "H"}  # segno raises it when it fits
    no_url = packing_slip(fulfilment("f1", "H-1001", [("TEE-M", 1)]), created_at=NOW)
    assert slip_qr(no_url).matrix == segno.make("pr_f1", error="m").matrix
