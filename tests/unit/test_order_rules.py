"""The canonical order's rules: totals add up, currencies and countries are real."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import pytest

from hub.domain.order import InvalidOrder, OrderData, Totals, check, normalise
from tests.conftest import PAYLOADS


@pytest.fixture
def order() -> OrderData:
    return msgspec.json.decode((PAYLOADS / "order_callcentre.json").read_bytes(), type=OrderData)


def fields(order: OrderData) -> list[str]:
    return [e.field for e in check(order)]


def test_a_consistent_order_passes(order: OrderData) -> None:
    assert check(order) == []


def test_placed_at_is_normalised_to_utc(order: OrderData) -> None:
    assert normalise(order).placed_at == datetime(2025, 3, 14, 9, 22, 30, tzinfo=UTC)


def test_tax_included_is_not_added_on_top(order: OrderData) -> None:
    t = order.totals
    excluded = msgspec.structs.replace(
        order, totals=msgspec.structs.replace(t, tax_included=False, total=t.total + t.tax)
    )
    assert check(excluded) == []
    wrong = msgspec.structs.replace(order, totals=msgspec.structs.replace(t, tax_included=False))
    assert fields(wrong) == ["totals.total"]


def test_total_that_does_not_add_up_names_the_field(order: OrderData) -> None:
    bad = msgspec.structs.replace(order, totals=msgspec.structs.replace(order.totals, total=1))
    with pytest.raises(InvalidOrder) as err:
        normalise(bad)
    assert [e.field for e in err.value.errors] == ["totals.total"]
    assert "7015" in err.value.errors[0].reason


def test_subtotal_must_be_the_sum_of_the_lines(order: OrderData) -> None:
    t = order.totals
    bad = msgspec.structs.replace(
        order,
        totals=Totals(
            subtotal=t.subtotal + 100,
            discount=t.discount,
            shipping=t.shipping,
            tax=t.tax,
            tax_included=True,
            total=t.total + 100,
        ),
    )
    assert fields(bad) == ["totals.subtotal"]


def test_shipping_total_must_match_the_shipping_charge(order: OrderData) -> None:
    bad = msgspec.structs.replace(
        order, shipping=msgspec.structs.replace(order.shipping, price=order.shipping.price + 1)
    )
    assert fields(bad) == ["totals.shipping"]


def test_discounts_cannot_exceed_totals(order: OrderData) -> None:
    line = msgspec.structs.replace(order.lines[0], discount=order.lines[0].discount + 1)
    bad = msgspec.structs.replace(order, lines=[line, *order.lines[1:]])
    assert fields(bad) == ["totals.discount"]


def test_line_discount_cannot_exceed_the_line(order: OrderData) -> None:
    line = msgspec.structs.replace(order.lines[1], discount=order.lines[1].unit_price + 1)
    bad = msgspec.structs.replace(order, lines=[order.lines[0], line, order.lines[2]])
    assert "lines[1].discount" in fields(bad)


@pytest.mark.parametrize("code", ["ZZZ", "XAU"])
def test_currency_must_be_iso_4217_with_minor_units(order: OrderData, code: str) -> None:
    assert fields(msgspec.structs.replace(order, currency=code)) == ["currency"]


def test_country_must_be_iso_3166(order: OrderData) -> None:
    assert order.shipping_address is not None
    bad = msgspec.structs.replace(
        order, shipping_address=msgspec.structs.replace(order.shipping_address, country="XX")
    )
    assert fields(bad) == ["shipping_address.country"]


@pytest.mark.parametrize(
    ("patch", "path"),
    [
        ({"quantity": 0}, "$.lines[0].quantity"),
        ({"quantity": "2"}, "$.lines[0].quantity"),
        ({"unit_price": -1}, "$.lines[0].unit_price"),
        ({"unit_price": 29.9}, "$.lines[0].unit_price"),
    ],
)
def test_structural_errors_name_the_path(patch: dict[str, object], path: str) -> None:
    raw = msgspec.json.decode((PAYLOADS / "order_callcentre.json").read_bytes())
    raw["lines"][0].update(patch)
    with pytest.raises(msgspec.ValidationError, match=path.replace("$", r"\$").replace("[", r"\[")):
        msgspec.json.decode(msgspec.json.encode(raw), type=OrderData)


def test_naive_placed_at_is_refused() -> None:
    raw = msgspec.json.decode((PAYLOADS / "order_callcentre.json").read_bytes())
    raw["placed_at"] = "2025-03-14T10:22:30"
    with pytest.raises(msgspec.ValidationError, match="placed_at"):
        msgspec.json.decode(msgspec.json.encode(raw), type=OrderData)
