"""Unit conversions (mm -> in, g -> oz, rounded up to 0.1, exactly) and answer parsing."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.easypost import shipments
from connectors.easypost.tests.conftest import fixture
from hub.sdk import FatalError, RetriableError

OUNCE_GRAMS = Fraction("28.349523125")


@pytest.mark.parametrize(
    ("mm", "inches"),
    [(254, "10.0"), (255, "10.1"), (100, "4.0"), (1, "0.1"), (300, "11.9"), (2540, "100.0")],
)
def test_millimetres_to_inches_round_up_to_a_tenth(mm: int, inches: str) -> None:
    assert shipments.inches(mm) == Decimal(inches)
    assert str(shipments.inches(mm)) == inches


@pytest.mark.parametrize(
    ("grams", "ounces"),
    [(1000, "35.3"), (500, "17.7"), (1, "0.1"), (2835, "100.1"), (28349, "1000.0")],
)
def test_grams_to_ounces_round_up_to_a_tenth(grams: int, ounces: str) -> None:
    assert str(shipments.ounces(grams)) == ounces


@given(st.integers(min_value=1, max_value=10_000_000))
def test_inches_is_the_smallest_tenth_not_below_the_exact_value(mm: int) -> None:
    exact = Fraction(mm * 10, 254)
    got = Fraction(shipments.inches(mm))
    assert got >= exact > got - Fraction(1, 10)


@given(st.integers(min_value=1, max_value=10_000_000))
def test_ounces_is_the_smallest_tenth_not_below_the_exact_value(grams: int) -> None:
    exact = grams / OUNCE_GRAMS
    got = Fraction(shipments.ounces(grams))
    assert got >= exact > got - Fraction(1, 10)


def test_the_created_shipment_gives_its_rates_in_exact_minor_units() -> None:
    shipment = shipments.decode_shipment(fixture("shipment_created.json"), "test")
    assert [
        (r.id, r.carrier, r.service, r.amount, r.currency, r.est_delivery_days)
        for r in shipments.rates(shipment)
    ] == [
        ("rate_7eb8606e070a4df19b70de813f9bea9d", "USPS", "Priority", 945, "USD", 2),
        ("rate_b936eae682e543b1a6550ea120e81a3e", "USPS", "GroundAdvantage", 593, "USD", 3),
        ("rate_05676ca6d03141dd94a067b45335a41d", "USPS", "Express", 3125, "USD", None),
    ]
    assert {r.shipment_id for r in shipments.rates(shipment)} == {shipment.id}
    assert not shipment.bought


@pytest.mark.parametrize(
    ("rate", "currency", "minor"),
    [("0.10", "USD", 10), ("1250", "JPY", 1250), ("12.345", "KWD", 12345), ("100", "EUR", 10000)],
)
def test_rate_strings_convert_exactly_per_currency(rate: str, currency: str, minor: int) -> None:
    body = '{"id": "shp_1", "rates": [{"id": "rate_1", "carrier": "X", "service": "S", '
    body += f'"rate": "{rate}", "currency": "{currency}"}}]}}'
    (parsed,) = shipments.rates(shipments.decode_shipment(body.encode(), "test"))
    assert parsed.amount == minor


@pytest.mark.parametrize(
    "rate_json",
    ['"5.935"', "5.93", '"five"'],  # too precise for USD; a float; not a number
)
def test_a_rate_that_is_not_exact_money_is_fatal(rate_json: str) -> None:
    body = '{"id": "shp_1", "rates": [{"id": "rate_1", "carrier": "X", "service": "S", '
    body += f'"rate": {rate_json}, "currency": "USD"}}]}}'
    with pytest.raises(FatalError):
        shipments.rates(shipments.decode_shipment(body.encode(), "test"))


@pytest.mark.parametrize("body", [b"[]", b'{"rates": []}'])
def test_an_answer_that_is_not_a_shipment_is_fatal(body: bytes) -> None:
    with pytest.raises(FatalError, match="POST /v2/shipments: the answer is not a shipment"):
        shipments.decode_shipment(body, "POST /v2/shipments")


@pytest.mark.parametrize("body", [b"", b"<html>"])
def test_an_answer_that_is_not_json_is_retried_later(body: bytes) -> None:
    with pytest.raises(RetriableError, match="POST /v2/shipments: the answer is not JSON"):
        shipments.decode_shipment(body, "POST /v2/shipments")
