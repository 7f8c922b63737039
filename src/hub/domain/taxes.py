"""Tax arithmetic for documents: rates as decimal strings, tax from a rate, exact allocation.

Amounts are integer minor units; a rate is a percentage written as a decimal string (``"19"``,
``"8.25"``) so that it never passes through a float. Rounding is half-even, once per line.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

HUNDRED = Decimal(100)


class RateError(ValueError):
    """A tax rate that is not a percentage between 0 and 100 with at most four decimals."""


def parse_rate(rate: str) -> Decimal:
    """``"19"`` -> ``Decimal("19")``; refuses negatives, more than 100 and over four decimals."""
    if not isinstance(rate, str):
        raise RateError(f"a tax rate is a decimal string, not {type(rate).__name__}")
    try:
        value = Decimal(rate.strip())
    except InvalidOperation:
        raise RateError(f"{rate!r} is not a decimal tax rate") from None
    if not value.is_finite() or value < 0 or value > HUNDRED:
        raise RateError(f"{rate!r} is not a percentage between 0 and 100")
    exp = value.as_tuple().exponent
    if isinstance(exp, int) and exp < -4:
        raise RateError(f"{rate!r} has more than four decimals")
    return value


def normal_rate(rate: str) -> str:
    """The canonical spelling of a rate: ``"19.00"`` -> ``"19"``, ``"8.250"`` -> ``"8.25"``."""
    value = parse_rate(rate)
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"


def round_half_even(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def tax_from_rate(amount: int, rate: str, *, included: bool) -> int:
    """Tax on ``amount`` minor units at ``rate`` percent, rounded half-even.

    ``included``: the amount is gross and holds the tax (``gross * r / (100 + r)``);
    otherwise it is net and the tax comes on top (``net * r / 100``).
    """
    r = parse_rate(rate)
    if included:
        return round_half_even(Decimal(amount) * r / (HUNDRED + r))
    return round_half_even(Decimal(amount) * r / HUNDRED)


def prorate(amount: int, part: int, whole: int) -> int:
    """``amount * part / whole`` rounded half-even (a line's share for ``part`` of its units)."""
    if whole <= 0:
        raise ValueError("cannot prorate over nothing")
    return round_half_even(Decimal(amount) * part / whole)


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` over ``weights`` in proportion, exactly (largest remainder).

    The shares add up to ``total``; ties go to the earlier weight. With all weights zero the
    total cannot be placed and ``ValueError`` is raised (unless it is zero too).
    """
    whole = sum(weights)
    if total == 0:
        return [0] * len(weights)
    if whole <= 0:
        raise ValueError("nothing to allocate over")
    shares = [total * w // whole for w in weights]
    remainders = [total * w % whole for w in weights]
    left = total - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:left]:
        shares[i] += 1
    return shares


def spread_difference(amounts: list[int], difference: int, weights: Sequence[int]) -> list[int]:
    """Add ``difference`` to ``amounts`` one minor unit at a time, largest weight first.

    Used to reconcile per-line rounding with a total the channel reported: each amount moves
    by at most one unit, so the caller must check ``abs(difference) <= len(amounts)``.
    """
    if abs(difference) > len(amounts):
        raise ValueError("a rounding difference moves each amount by one unit at most")
    step = 1 if difference > 0 else -1
    out = list(amounts)
    order = sorted(range(len(amounts)), key=lambda i: (-weights[i], i))
    for i in order[: abs(difference)]:
        out[i] += step
    return out
