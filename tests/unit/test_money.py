"""Money: ISO 4217 exponents and exact decimal conversion."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hub.domain.money import MoneyError, exponent, is_currency, to_decimal_string, to_minor


@pytest.mark.parametrize(("code", "digits"), [("JPY", 0), ("EUR", 2), ("USD", 2), ("KWD", 3)])
def test_exponent_follows_iso_4217(code: str, digits: int) -> None:
    assert exponent(code) == digits


@pytest.mark.parametrize(
    ("amount", "code", "minor"),
    [
        ("29.90", "EUR", 2990),
        ("0.1", "EUR", 10),
        ("1500", "JPY", 1500),
        ("1.234", "KWD", 1234),
        ("12.990", "USD", 1299),  # trailing zero beyond the exponent is still exact
        (Decimal("3.10"), "GBP", 310),
        (7, "EUR", 700),
        (" 64.99 ", "USD", 6499),
    ],
)
def test_decimal_strings_convert_exactly(
    amount: str | Decimal | int, code: str, minor: int
) -> None:
    assert to_minor(amount, code) == minor


def test_float_artefacts_never_creep_in() -> None:
    # 0.1 + 0.2 as floats is 0.30000000000000004; as decimal strings it stays exact.
    assert to_minor("0.1", "EUR") + to_minor("0.2", "EUR") == to_minor("0.3", "EUR")


@pytest.mark.parametrize(
    ("amount", "code", "message"),
    [
        ("1.005", "EUR", "more decimals than EUR"),
        ("1.5", "JPY", "more decimals than JPY"),
        ("abc", "EUR", "not a decimal amount"),
        ("NaN", "EUR", "not a finite amount"),
        ("10", "ZZZ", "unknown ISO 4217 currency"),
        ("10", "XAU", "no minor unit"),
    ],
)
def test_bad_amounts_are_refused_with_a_reason(amount: str, code: str, message: str) -> None:
    with pytest.raises(MoneyError, match=message):
        to_minor(amount, code)


def test_floats_are_refused() -> None:
    with pytest.raises(MoneyError, match="float"):
        to_minor(29.9, "EUR")  # type: ignore[arg-type]


def test_round_trip_to_decimal_string() -> None:
    assert to_decimal_string(2990, "EUR") == "29.90"
    assert to_decimal_string(1500, "JPY") == "1500"
    assert to_decimal_string(1234, "KWD") == "1.234"
    assert is_currency("EUR") and not is_currency("ZZZ") and not is_currency("XAU")
