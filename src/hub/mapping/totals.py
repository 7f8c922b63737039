"""Order totals a mapping leaves out, computed from the lines and shipping (mappings/README.md).

Totals a mapping does give are kept as given: ``hub.domain.order.check`` then holds them to
the same rules, so a partner whose figures do not add up is refused, not silently corrected.
A total that cannot be computed (a line without a price) is left null for validation to name.
"""

from __future__ import annotations

from typing import Any


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _add(*parts: int | None) -> int | None:
    if any(p is None for p in parts):
        return None
    return sum(p for p in parts if p is not None)


def _line_sum(lines: list[dict[str, Any]], field: str) -> int | None:
    # an absent value is the canonical default, 0
    return _add(*(_int(line.get(field) or 0) for line in lines))


def _subtotal(lines: list[dict[str, Any]]) -> int | None:
    total = 0
    for line in lines:
        price, quantity = _int(line.get("unit_price")), _int(line.get("quantity"))
        if price is None or quantity is None:
            return None
        total += price * quantity
    return total


def fill_totals(values: dict[str, Any], lines: list[dict[str, Any]]) -> None:
    """Set each ``totals.*`` money value in ``values`` that is missing or null."""

    def shipping(name: str) -> int | None:
        return _int(values.get(f"shipping.{name}") or 0)

    if values.get("totals.subtotal") is None:
        values["totals.subtotal"] = _subtotal(lines)
    if values.get("totals.discount") is None:
        values["totals.discount"] = _add(_line_sum(lines, "discount"), shipping("discount"))
    if values.get("totals.shipping") is None:
        values["totals.shipping"] = shipping("price")
    if values.get("totals.tax") is None:
        values["totals.tax"] = _add(_line_sum(lines, "tax"), shipping("tax"))
    if values.get("totals.total") is None:
        subtotal, discount, ship, tax = (
            _int(values[f"totals.{k}"]) for k in ("subtotal", "discount", "shipping", "tax")
        )
        if values.get("totals.tax_included") is True:
            tax = 0
        if subtotal is not None and discount is not None:
            values["totals.total"] = _add(subtotal - discount, ship, tax)
