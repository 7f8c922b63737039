"""Converting one mapped value to its canonical type: money, quantity, date-time.

Each function raises ``ValueError`` with a one-line reason; the caller adds the field name.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from hub.domain.money import MoneyError, to_minor
from hub.mapping.errors import show
from hub.mapping.fields import Kind

Amounts = Literal["decimal", "minor"]
_WHOLE = re.compile(r"^[+-]?\d+$")


def to_money(value: Any, amounts: Amounts, currency: str) -> int:
    """Integer minor units, exactly: from decimal text or integers, or from integers only."""
    if isinstance(value, float):
        raise ValueError(
            f"{show(value)} is a JSON number with a fraction and cannot be money exactly; "
            "pass it through to_string() or a decimal function such as dsum()"
        )
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValueError(f"expected an amount, got {type(value).__name__} {show(value)}")
    if amounts == "minor":
        if isinstance(value, int):
            return value
        if isinstance(value, str) and _WHOLE.match(value.strip()):
            return int(value)
        raise ValueError(f"amounts are minor units (integers), got {show(value)}")
    try:
        return to_minor(value, currency)
    except MoneyError as exc:
        raise ValueError(str(exc)) from None


def to_quantity(value: Any) -> int:
    """A whole number of units; ``"2"`` (Square sends strings) is 2."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _WHOLE.match(value.strip()):
        return int(value)
    raise ValueError(f"expected a whole number of units, got {show(value)}")


def to_datetime(value: Any) -> datetime:
    """An ISO 8601 date-time with a UTC offset, as UTC."""
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO 8601 date-time string, got {show(value)}")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{show(value)} is not an ISO 8601 date-time") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError(f"{show(value)} has no UTC offset (Z or +hh:mm); its instant is unknown")
    return parsed.astimezone(UTC)


def convert(kind: Kind, value: Any, amounts: Amounts, currency: str) -> Any:
    """``value`` as the canonical type for ``kind``; null stays null."""
    if value is None or kind == "plain":
        return value
    if kind == "money":
        return to_money(value, amounts, currency)
    if kind == "quantity":
        return to_quantity(value)
    return to_datetime(value)
