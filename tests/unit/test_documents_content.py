"""Document content from a canonical order: tax per line, summary per rate, totals, credit notes."""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.domain.credit_notes import credit_note_content
from hub.domain.documents import (
    DocumentContent,
    InvalidDocument,
    Seller,
    invoice_content,
    locale_for,
)
from hub.domain.order import Address, Order, Payment, check
from hub.domain.taxes import RateError, allocate, normal_rate, parse_rate, tax_from_rate
from tests.conftest import PAYLOADS

BERLIN = Address(line1="Torstraße 1", city="Berlin", postal_code="10119", country="DE")
SELLER = Seller(name="Kiez Supply GmbH", address=BERLIN, vat_id="DE123456789")
ISSUED = date(2025, 3, 20)


def stored(data: dict[str, Any]) -> Order:
    data = {
        "id": "ord_1",
        "number": "H-1001",
        "public_ref": "pr_7Qx",
        "status": "shipped",
        "received_at": "2025-03-14T09:22:30Z",
        "updated_at": "2025-03-14T09:22:30Z",
        **data,
    }
    order = msgspec.convert(data, Order)
    assert check(order) == [], check(order)
    return order


def fixture(name: str) -> dict[str, Any]:
    return msgspec.json.decode((PAYLOADS / name).read_bytes())


def order_of(
    lines: list[tuple[int, int, int, int]],
    *,
    currency: str = "EUR",
    included: bool,
    tax: int,
    shipping: tuple[int, int, int] = (0, 0, 0),
    extra_discount: int = 0,
    **more: Any,
) -> Order:
    """``lines``: (quantity, unit_price, discount, tax); ``shipping``: (price, discount, tax)."""
    subtotal = sum(q * p for q, p, _, _ in lines)
    discount = sum(d for _, _, d, _ in lines) + shipping[1] + extra_discount
    total = subtotal - discount + shipping[0] + (0 if included else tax)
    return stored(
        {
            "currency": currency,
            "billing_address": msgspec.to_builtins(BERLIN),
            "lines": [
                {"sku": f"SKU-{i}", "quantity": q, "unit_price": p, "discount": d, "tax": t}
                for i, (q, p, d, t) in enumerate(lines)
            ],
            "shipping": {"price": shipping[0], "discount": shipping[1], "tax": shipping[2]},
            "totals": {
                "subtotal": subtotal,
                "discount": discount,
                "shipping": shipping[0],
                "tax": tax,
                "tax_included": included,
                "total": total,
            },
            **more,
        }
    )


def invoice(order: Order, **kw: Any) -> DocumentContent:
    kw.setdefault("default_rate", "19")
    return invoice_content(order, number="INV-2025-0001", issue_date=ISSUED, seller=SELLER, **kw)


def assert_adds_up(doc: DocumentContent, order: Order) -> None:
    """The invariant: lines, summary and totals agree with each other and with the order."""
    every = [*doc.lines, *([doc.shipping] if doc.shipping else [])]
    for line in every:
        assert line.net + line.tax == line.gross
    assert doc.totals.gross == order.totals.total
    assert doc.totals.subtotal == order.totals.subtotal
    assert doc.totals.discount == order.totals.discount
    assert doc.totals.shipping == order.totals.shipping
    assert doc.totals.net + doc.totals.tax == doc.totals.gross
    assert sum(s.net for s in doc.summary) == doc.totals.net
    assert sum(s.tax for s in doc.summary) == doc.totals.tax
    assert sum(s.gross for s in doc.summary) == doc.totals.gross


def test_tax_included_order_computes_line_taxes_that_add_up_to_the_orders_tax() -> None:
    order = stored(fixture("order_callcentre.json"))
    doc = invoice(order)
    assert [x.tax for x in doc.lines] == [833, 208, 0]  # 5220*19/119, 1305*19/119
    assert doc.shipping is not None and doc.shipping.tax == 78 and doc.shipping.net == 412
    assert doc.totals.tax == order.totals.tax == 1119
    assert doc.locale == "de_DE" and doc.order_date == date(2025, 3, 14)
    assert_adds_up(doc, order)


def test_mixed_rates_tax_exclusive_with_a_discount_and_taxed_shipping() -> None:
    # 2 x 10.00 less 1.00 at 19 % (3.61), 3 x 4.99 at 7 % (1.0479 -> 1.05), shipping 4.90 at 19 %
    order = order_of(
        [(2, 1000, 100, 0), (3, 499, 0, 0)],
        included=False,
        tax=361 + 105 + 93,
        shipping=(490, 0, 0),
    )
    doc = invoice(order, rates={1: "7"})
    assert [(x.tax_rate, x.net, x.tax, x.gross) for x in doc.lines] == [
        ("19", 1900, 361, 2261),
        ("7", 1497, 105, 1602),
    ]
    assert doc.shipping is not None and (doc.shipping.net, doc.shipping.tax) == (490, 93)
    assert [(s.rate, s.net, s.tax, s.gross) for s in doc.summary] == [
        ("19", 2390, 454, 2844),
        ("7", 1497, 105, 1602),
    ]
    assert_adds_up(doc, order)


def test_mixed_rates_tax_included() -> None:
    # 11.90 at 19 % holds 1.90; 10.70 at 7 % holds 0.70; shipping 5.95 at 19 % holds 0.95
    order = order_of(
        [(1, 1190, 0, 0), (1, 1070, 0, 0)], included=True, tax=190 + 70 + 95, shipping=(595, 0, 0)
    )
    doc = invoice(order, rates={1: "7.00"})
    assert [(x.tax_rate, x.net, x.tax) for x in doc.lines] == [("19", 1000, 190), ("7", 1000, 70)]
    assert [(s.rate, s.net, s.tax) for s in doc.summary] == [("19", 1500, 285), ("7", 1000, 70)]
    assert_adds_up(doc, order)


def test_the_channels_tax_amounts_win_over_the_rate() -> None:
    order = stored(fixture("order_tax_exclusive_jpy.json"))
    doc = invoice(order, default_rate="10")
    # 10 % of 2,200 would be 220; the channel said 176, and 176 it is
    assert [x.tax for x in doc.lines] == [176, 80]
    assert doc.shipping is not None and doc.shipping.tax == 50 and doc.shipping.gross == 550
    assert doc.totals.gross == 3806 and doc.currency == "JPY"
    assert_adds_up(doc, order)


def test_kwd_three_decimals_and_half_even_rounding() -> None:
    # 12.345 KWD at 5 %: 0.61725 -> 617 fils; 0.250 KWD at 5 %: 0.0125 -> 12 fils (half-even)
    order = order_of([(1, 12345, 0, 0), (1, 250, 0, 0)], currency="KWD", included=False, tax=629)
    doc = invoice(order, default_rate="5")
    assert [x.tax for x in doc.lines] == [617, 12]
    assert_adds_up(doc, order)


def test_rounding_on_the_total_is_reconciled_one_unit_per_line() -> None:
    # three lines of 0.10 at 19 %: 0.019 each rounds to 0.02 (0.06); on the total 0.057 -> 0.06;
    # a channel that says 0.05 is within rounding: the largest lines give one cent back
    order = order_of([(1, 10, 0, 0), (1, 10, 0, 0), (1, 10, 0, 0)], included=False, tax=5)
    doc = invoice(order)
    assert [x.tax for x in doc.lines] == [1, 2, 2]
    assert_adds_up(doc, order)


def test_a_tax_far_from_the_rates_is_refused_naming_the_field() -> None:
    order = order_of([(1, 10000, 0, 0)], included=False, tax=700)  # 7 %, but the rate says 19
    with pytest.raises(InvalidDocument) as err:
        invoice(order)
    assert err.value.errors[0].field == "totals.tax"


def test_an_order_discount_is_spread_over_the_lines() -> None:
    order = order_of([(1, 3000, 0, 0), (1, 1000, 0, 0)], included=True, tax=0, extra_discount=400)
    doc = invoice(order, rates={1: "7"})
    assert [x.discount for x in doc.lines] == [300, 100]
    assert [x.gross for x in doc.lines] == [2700, 900]
    assert_adds_up(doc, order)


def test_a_bad_rate_names_the_line() -> None:
    order = order_of([(1, 1000, 0, 0)], included=True, tax=0)
    with pytest.raises(InvalidDocument) as err:
        invoice(order, rates={0: "nineteen"})
    assert err.value.errors[0].field == "lines[0].tax_rate"


def test_an_invoice_needs_an_address_a_receipt_does_not() -> None:
    order = msgspec.structs.replace(
        order_of([(1, 1000, 0, 0)], included=True, tax=0), billing_address=None
    )
    with pytest.raises(InvalidDocument) as err:
        invoice(order)
    assert err.value.errors[0].field == "billing_address"
    receipt = invoice(order, kind="receipt")
    assert receipt.buyer is None and receipt.kind == "receipt"


def test_an_unpaid_b2b_invoice_is_due_after_the_payment_days() -> None:
    order = order_of([(1, 1000, 0, 0)], included=False, tax=190, payment={"status": "pending"})
    assert invoice(order).due_date is None  # a consumer pays on receipt
    b2b = invoice(order, buyer_vat_id="FR40303265045", payment_days=30)
    assert b2b.due_date == date(2025, 4, 19)
    paid = msgspec.structs.replace(order, payment=Payment(status="paid"))
    assert invoice(paid, buyer_vat_id="FR40303265045").due_date is None


def test_credit_note_for_part_of_an_invoice() -> None:
    order = order_of(
        [(2, 1000, 100, 0), (3, 499, 0, 0)],
        included=False,
        tax=361 + 105 + 93,
        shipping=(490, 0, 0),
    )
    inv = invoice(order, rates={1: "7"})
    note = credit_note_content(inv, number="CN-1", issue_date=date(2025, 3, 25), lines={1: 1})
    assert note.kind == "credit_note" and note.credited_invoice == "INV-2025-0001"
    assert note.credited_invoice_date == ISSUED and note.shipping is None
    (line,) = note.lines
    # one of two: half the discount (0.50) and half the tax (1.805 -> 1.80, half-even)
    assert (line.quantity, line.discount, line.net, line.tax, line.gross) == (1, 50, 950, 180, 1130)
    assert (note.totals.net, note.totals.tax, note.totals.gross) == (950, 180, 1130)
    assert [(s.rate, s.gross) for s in note.summary] == [("19", 1130)]


def test_a_full_credit_note_mirrors_the_invoice() -> None:
    order = stored(fixture("order_callcentre.json"))
    inv = invoice(order)
    note = credit_note_content(inv, number="CN-2", issue_date=ISSUED)
    assert note.totals == inv.totals and note.summary == inv.summary
    assert note.shipping == inv.shipping


@pytest.mark.parametrize(
    ("lines", "shipping", "field"),
    [({}, False, "lines"), ({9: 1}, None, "lines[9]"), ({1: 3}, None, "lines[1].quantity")],
)
def test_a_credit_note_for_nothing_is_refused(
    lines: dict[int, int], shipping: bool | None, field: str
) -> None:
    inv = invoice(stored(fixture("order_callcentre.json")))
    with pytest.raises(InvalidDocument) as err:
        credit_note_content(inv, number="CN", issue_date=ISSUED, lines=lines, shipping=shipping)
    assert err.value.errors[0].field == field


def test_rates_are_decimal_strings() -> None:
    assert normal_rate("19.00") == "19" and normal_rate("8.250") == "8.25"
    assert parse_rate("0") == 0
    for bad in ("-1", "101", "1.23456", "x", "NaN"):
        with pytest.raises(RateError):
            parse_rate(bad)
    assert tax_from_rate(250, "5", included=False) == 12  # 12.5 -> 12, half-even
    assert tax_from_rate(350, "5", included=False) == 18  # 17.5 -> 18


@given(
    total=st.integers(0, 10**9),
    weights=st.lists(st.integers(0, 10**7), min_size=1, max_size=30).filter(lambda w: sum(w) > 0),
)
def test_allocation_is_exact_and_proportional(total: int, weights: list[int]) -> None:
    shares = allocate(total, weights)
    assert sum(shares) == total
    whole = sum(weights)
    for share, w in zip(shares, weights, strict=True):
        assert abs(share * whole - total * w) < whole


def test_locale_follows_the_buyers_country() -> None:
    assert locale_for("DE") == "de_DE" and locale_for("FR") == "fr_FR"
    assert locale_for("US") == "en_US" and locale_for(None) == "en_GB"
