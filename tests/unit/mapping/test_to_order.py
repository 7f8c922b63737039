"""Mapping a document: every rule kind, tables, money, quantities, dates, totals, validation."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest

from hub.mapping import Mapping, MappingError
from hub.sdk import ChannelOrder
from tests.unit.mapping.conftest import DELETE, MAPPINGS, changed, document, variant


def refused(mapping: Mapping, doc: Any, channel: str = "test-shop") -> MappingError:
    with pytest.raises(MappingError) as err:
        mapping.to_order(doc, channel=channel)
    assert err.value.mapping == mapping.name
    return err.value


def mapped(mapping: Mapping, doc: Any) -> ChannelOrder:
    return mapping.to_order(doc, channel="test-shop")


def test_a_document_becomes_the_canonical_order(shop: Mapping, shop_order: Any) -> None:
    result = mapped(shop, shop_order)
    expected = document("test_shop_order.canonical.json")
    assert msgspec.to_builtins(result.order) == expected
    assert result.state == "open"


def test_the_channel_is_the_connection_code_never_the_document(
    shop: Mapping, shop_order: Any
) -> None:
    assert shop.to_order(shop_order, channel="partner-eu").order.channel == "partner-eu"
    err = refused(shop, shop_order, channel="Not A Code")
    assert err.field == "channel"


# --- rule kinds -------------------------------------------------------------------------


def test_a_literal_rule_gives_its_value_whatever_the_document(
    shop: Mapping, shop_order: Any
) -> None:
    assert mapped(shop, shop_order).order.shipping.method == "Standard"


def test_a_default_replaces_null(shop: Mapping, shop_order: Any) -> None:
    assert (
        mapped(shop, changed(shop_order, ("shipping_discount",), None)).order.shipping.discount == 0
    )
    given = changed(shop_order, ("shipping_discount",), "0.50")
    order = mapped(shop, given).order
    assert (order.shipping.discount, order.totals.discount) == (50, 630)


def test_required_refuses_null_even_for_an_optional_field(shop: Mapping, shop_order: Any) -> None:
    err = refused(shop, changed(shop_order, ("number",), DELETE))
    assert (err.field, err.reason) == ("external_number", "required, but 'number' gave null")


def test_a_missing_canonical_field_is_named(shop: Mapping, shop_order: Any) -> None:
    err = refused(shop, changed(shop_order, ("items", 1, "sku"), None))
    assert (err.field, err.reason) == ("lines[1].sku", "required, but the mapping gave null")
    err = refused(shop, changed(shop_order, ("ship_to", "city"), None))
    assert err.field == "shipping_address.city"


def test_an_object_whose_fields_are_all_null_is_left_out(shop: Mapping, shop_order: Any) -> None:
    assert mapped(shop, changed(shop_order, ("ship_to",), None)).order.shipping_address is None


def test_a_type_mismatch_names_the_field_and_suggests_to_string(
    tmp_path: Path, shop_order: Any
) -> None:
    mapping = Mapping.load(variant(tmp_path, (("order", "external_id"), "id")))
    err = refused(mapping, shop_order)
    assert err.field == "external_id"
    assert err.reason == "expected `str | null`, got `int` (wrap the path in to_string())"


def test_a_jmespath_failure_on_the_document_names_the_field(shop: Mapping, shop_order: Any) -> None:
    err = refused(shop, changed(shop_order, ("buyer", "last"), 7))
    assert err.field == "customer.name"
    assert err.reason.startswith("join() got")
    err = refused(shop, changed(shop_order, ("items", 0, "discounts", 0, "amount"), "2,90"))
    assert (err.field, err.reason) == (
        "lines[0].discount",
        "dsum(): '2,90' is not a decimal number",
    )


def test_lines_each_must_give_an_array(shop: Mapping, shop_order: Any) -> None:
    err = refused(shop, changed(shop_order, ("items",), {"sku": "X"}))
    assert (err.field, err.reason) == ("lines", "lines.each gave dict, not an array")
    err = refused(shop, changed(shop_order, ("items",), DELETE))
    assert err.field == "lines"


# --- tables -------------------------------------------------------------------------------


def test_a_table_maps_partner_values(shop: Mapping, shop_order: Any) -> None:
    assert mapped(shop, changed(shop_order, ("payment",), "pending")).order.payment.status == (
        "pending"
    )
    # keys are text; a partner's number is looked up as text
    assert mapped(shop, changed(shop_order, ("payment",), 1)).order.payment.status == "authorized"


def test_an_unmapped_value_is_an_error_by_default(shop: Mapping, shop_order: Any) -> None:
    err = refused(shop, changed(shop_order, ("payment",), "on-account"))
    assert (err.field, err.reason) == (
        "payment.status",
        "'on-account' is not in table 'payment_status'",
    )


def test_an_unmapped_value_can_take_the_table_default(shop: Mapping, shop_order: Any) -> None:
    assert mapped(shop, changed(shop_order, ("status",), "on-hold")).state == "open"


def test_an_unmapped_value_can_be_kept(shop: Mapping, shop_order: Any) -> None:
    assert mapped(shop, changed(shop_order, ("channel_name",), "Phone")).order.note == "Phone"
    assert mapped(shop, changed(shop_order, ("ship_to", "country"), "DE")).order.shipping_address


def test_no_is_norway_not_false(shop: Mapping, shop_order: Any) -> None:
    order = mapped(shop, changed(shop_order, ("ship_to", "country"), "NO")).order
    assert order.shipping_address is not None
    assert order.shipping_address.country == "NO"


def test_state_comes_from_its_rule(shop: Mapping, shop_order: Any) -> None:
    assert mapped(shop, changed(shop_order, ("status",), "void")).state == "cancelled"
    assert mapped(shop, changed(shop_order, ("status",), "shipped")).state == "fulfilled"


def test_a_state_outside_the_channel_states_is_an_error(tmp_path: Path, shop_order: Any) -> None:
    mapping = Mapping.load(variant(tmp_path, (("state",), "status")))
    err = refused(mapping, shop_order)
    assert (err.field, err.reason) == ("state", "'placed' is not one of open, cancelled, fulfilled")


# --- money, quantities, dates ------------------------------------------------------------


def test_money_is_converted_exactly_or_refused(shop: Mapping, shop_order: Any) -> None:
    err = refused(shop, changed(shop_order, ("items", 1, "price"), "14.505"))
    assert err.field == "lines[1].unit_price"
    assert "more decimals than EUR allows (2)" in err.reason


def test_a_float_never_becomes_money(shop: Mapping, shop_order: Any) -> None:
    err = refused(shop, changed(shop_order, ("items", 0, "price"), 29.9))
    assert err.field == "lines[0].unit_price"
    assert "29.9 is a JSON number with a fraction" in err.reason
    # through a decimal function the same number is read exactly
    floats = changed(shop_order, ("shipping",), [{"fee": 0.1}, {"fee": 0.2}])
    assert mapped(shop, floats).order.shipping.price == 30


def test_the_currency_exponent_is_used(shop: Mapping, shop_order: Any) -> None:
    kwd = changed(shop_order, ("money", "currency"), "KWD")
    kwd["shipping"] = [{"fee": "1.250"}]
    assert mapped(shop, kwd).order.shipping.price == 1250
    err = refused(shop, changed(shop_order, ("money", "currency"), "XYZ"))
    assert (err.field, err.reason) == ("currency", "unknown ISO 4217 currency 'XYZ'")


def test_minor_amounts_are_integers() -> None:
    mapping = Mapping.load(MAPPINGS / "test_minor.yml")
    doc = document("test_minor_order.json")
    order = mapping.to_order(doc, channel="jp").order
    assert (order.currency, order.lines[0].unit_price, order.totals.total) == ("JPY", 1500, 3300)
    assert order.lines[0].discount == 200  # dsum's "200" is an integer string
    err = refused(mapping, changed(doc, ("lines", 0, "unit"), "15.00"), channel="jp")
    assert (err.field, err.reason) == (
        "lines[0].unit_price",
        "amounts are minor units (integers), got '15.00'",
    )


@pytest.mark.parametrize(("qty", "expected"), [("2", 2), (" 3 ", 3), (4, 4)])
def test_quantity_may_be_a_string(shop: Mapping, shop_order: Any, qty: Any, expected: int) -> None:
    doc = changed(shop_order, ("items", 0, "qty"), qty)
    doc = changed(doc, ("items", 0, "discounts"), [])
    assert mapped(shop, doc).order.lines[0].quantity == expected


@pytest.mark.parametrize("qty", ["2.5", "two", 2.0, True])
def test_a_quantity_that_is_not_whole_is_an_error(shop: Mapping, shop_order: Any, qty: Any) -> None:
    err = refused(shop, changed(shop_order, ("items", 0, "qty"), qty))
    assert err.field == "lines[0].quantity"
    assert err.reason.startswith("expected a whole number of units")


def test_a_zero_quantity_is_refused_by_validation(shop: Mapping, shop_order: Any) -> None:
    assert refused(shop, changed(shop_order, ("items", 0, "qty"), "0")).field == "lines[0].quantity"


def test_placed_at_is_utc(shop: Mapping, shop_order: Any) -> None:
    placed = mapped(shop, shop_order).order.placed_at
    assert placed == datetime(2025, 3, 14, 9, 22, 30, tzinfo=UTC)
    assert placed is not None and placed.utcoffset() is not None


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2025-03-14T10:22:30", "has no UTC offset"),
        ("2025-03-14", "has no UTC offset"),
        ("14/03/2025 10:22", "is not an ISO 8601 date-time"),
        (1741944150, "expected an ISO 8601 date-time string"),
    ],
)
def test_a_placed_at_without_an_instant_is_an_error(
    shop: Mapping, shop_order: Any, value: Any, reason: str
) -> None:
    err = refused(shop, changed(shop_order, ("created_at",), value))
    assert err.field == "placed_at"
    assert reason in err.reason


# --- totals -------------------------------------------------------------------------------


def test_totals_left_out_are_computed(shop: Mapping, shop_order: Any) -> None:
    doc = changed(shop_order, ("prices_include_tax",), False)
    doc["items"][0]["tax"] = "1.10"
    totals = mapped(shop, doc).order.totals
    assert (totals.subtotal, totals.discount, totals.shipping, totals.tax) == (7250, 580, 490, 110)
    assert totals.total == 7250 - 580 + 490 + 110  # tax added on top when not included


def test_totals_given_are_checked_not_corrected(tmp_path: Path, shop_order: Any) -> None:
    mapping = Mapping.load(
        variant(
            tmp_path,
            (("order", "totals.total"), "grand_total"),
            (("order", "totals.subtotal"), "subtotal"),
        )
    )
    good = {**shop_order, "grand_total": "71.60", "subtotal": "72.50"}
    assert mapped(mapping, good).order.totals.total == 7160
    err = refused(mapping, {**good, "grand_total": "71.61"})
    assert err.field == "totals.total"
    assert "(7160)" in err.reason
    err = refused(mapping, {**good, "subtotal": "70.00", "grand_total": "69.10"})
    assert err.field == "totals.subtotal"
    assert "sum of unit_price x quantity" in err.reason


def test_a_discount_larger_than_its_line_is_refused(shop: Mapping, shop_order: Any) -> None:
    doc = changed(shop_order, ("items", 1, "discounts"), [{"amount": "20.00"}])
    err = refused(shop, doc)
    assert err.field == "lines[1].discount"
    assert "exceeds the line's value 1450" in err.reason


def test_a_control_character_from_the_partner_is_refused_in_words(
    shop: Mapping, shop_order: Any
) -> None:
    """A NUL would fail PostgreSQL, a newline has no place in a name: the message is
    quarantined with a reason a person reads, naming the canonical field."""
    err = refused(shop, changed(shop_order, ("buyer", "last"), "Nord\x00mann"))
    assert err.field == "customer.name"
    assert err.reason.startswith("must be one line of text without control characters")
