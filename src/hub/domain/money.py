"""Money as integer minor units of an ISO 4217 currency; exact conversion from decimal strings."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import cache

import iso4217


class MoneyError(ValueError):
    """A currency code or amount that cannot be money."""


@cache
def exponent(currency: str) -> int:
    """Digits after the decimal point for ``currency`` (JPY 0, EUR 2, KWD 3)."""
    try:
        exp = iso4217.Currency(currency).exponent
    except ValueError:
        raise MoneyError(f"unknown ISO 4217 currency {currency!r}") from None
    if exp is None:
        raise MoneyError(f"currency {currency!r} has no minor unit and cannot price an order")
    return exp


def is_currency(currency: str) -> bool:
    try:
        exponent(currency)
    except MoneyError:
        return False
    return True


def to_minor(amount: str | int | Decimal, currency: str) -> int:
    """Convert a decimal amount (``"29.90"``) to integer minor units, exactly.

    Floats are refused: they cannot carry money exactly. An amount with more precision than
    the currency allows (``"1.005"`` EUR) is an error, never silently rounded.
    """
    if isinstance(amount, float):
        raise MoneyError("money must not be a float; pass a decimal string")
    if isinstance(amount, bool):
        raise MoneyError("money must be a decimal amount")
    try:
        value = Decimal(amount.strip() if isinstance(amount, str) else amount)
    except (InvalidOperation, ValueError):
        raise MoneyError(f"{amount!r} is not a decimal amount") from None
    if not value.is_finite():
        raise MoneyError(f"{amount!r} is not a finite amount")
    scaled = value.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise MoneyError(
            f"{amount!r} has more decimals than {currency} allows ({exponent(currency)})"
        )
    return int(scaled)


def to_decimal_string(minor: int, currency: str) -> str:
    """Format integer minor units as a plain decimal string (``2990`` EUR -> ``"29.90"``)."""
    exp = exponent(currency)
    return str(Decimal(minor).scaleb(-exp).quantize(Decimal(1).scaleb(-exp)))
