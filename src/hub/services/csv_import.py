"""Orders from a CSV file (call centre, spreadsheets): one row per order line.

Rows with the same ``external_id`` form one order; order columns are read from its first
row. Amounts are decimal strings in the order's currency (``29.90``), converted exactly.
Each order is checked like ``POST /orders``; a bad one is reported with its row numbers,
the field and the reason, and the others still go in.

Columns (header names; only the first five are required):
``external_id, currency, sku, quantity, unit_price``, and optionally ``placed_at,
external_number, customer_name, customer_email, customer_phone, ship_name, ship_company,
ship_line1, ship_line2, ship_city, ship_region, ship_postal_code, ship_country, ship_phone,
name, line_discount, line_tax, shipping_method, shipping_price, shipping_discount,
shipping_tax, tax_included, payment_status, note, tags`` (tags separated by ``|``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import msgspec

from hub.domain.money import MoneyError, to_minor
from hub.domain.order import OrderData, check

REQUIRED = ("external_id", "currency", "sku", "quantity", "unit_price")
MONEY = ("unit_price", "line_discount", "line_tax", "shipping_price", "shipping_discount",
         "shipping_tax")  # fmt: skip


@dataclass(frozen=True, slots=True)
class CsvOrder:
    external_id: str
    rows: list[int]  # 1-based file line numbers (the header is line 1)
    order: OrderData | None
    errors: list[str]  # "line N: field: reason"


class CsvFormatError(ValueError):
    """The file as a whole cannot be read (no header, a required column missing)."""


def read_orders(text: str, *, channel: str) -> Iterator[CsvOrder]:
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None:
        raise CsvFormatError("the file is empty; expected a header row")
    missing = [c for c in REQUIRED if c not in reader.fieldnames]
    if missing:
        raise CsvFormatError(f"the header lacks required columns: {', '.join(missing)}")
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for row in reader:
        line = reader.line_num
        key = (row.get("external_id") or "").strip()
        groups.setdefault(key or f"(blank at line {line})", []).append((line, row))
    for external_id, rows in groups.items():
        yield _order(external_id, rows, channel)


def _order(external_id: str, rows: list[tuple[int, dict[str, str]]], channel: str) -> CsvOrder:
    errors: list[str] = []
    first_line, head = rows[0]
    lines_at = [n for n, _ in rows]
    if external_id.startswith("(blank"):
        return CsvOrder(external_id, lines_at, None, [f"line {first_line}: external_id: empty"])
    currency = (head.get("currency") or "").strip().upper()

    def money(line: int, row: dict[str, str], column: str) -> int:
        raw = (row.get(column) or "").strip()
        if not raw:
            return 0
        try:
            return to_minor(raw, currency)
        except MoneyError as exc:
            errors.append(f"line {line}: {column}: {exc}")
            return 0

    def text(column: str) -> str | None:
        value = (head.get(column) or "").strip()
        return value or None

    lines: list[dict[str, Any]] = []
    for line, row in rows:
        try:
            quantity = int((row.get("quantity") or "").strip())
        except ValueError:
            errors.append(f"line {line}: quantity: {row.get('quantity')!r} is not a whole number")
            quantity = 0
        lines.append(
            {
                "sku": (row.get("sku") or "").strip(),
                "name": (row.get("name") or "").strip() or None,
                "quantity": quantity,
                "unit_price": money(line, row, "unit_price"),
                "discount": money(line, row, "line_discount"),
                "tax": money(line, row, "line_tax"),
            }
        )
    shipping = {
        "method": text("shipping_method"),
        "price": money(first_line, head, "shipping_price"),
        "discount": money(first_line, head, "shipping_discount"),
        "tax": money(first_line, head, "shipping_tax"),
    }
    tax_included = (text("tax_included") or "false").lower() in ("true", "yes", "1")
    subtotal = sum(ln["unit_price"] * ln["quantity"] for ln in lines)
    discount = sum(ln["discount"] for ln in lines) + shipping["discount"]
    tax = sum(ln["tax"] for ln in lines) + shipping["tax"]
    total = subtotal - discount + shipping["price"] + (0 if tax_included else tax)
    address = None
    if text("ship_line1") or text("ship_country"):
        address = {
            "name": text("ship_name"), "company": text("ship_company"),
            "line1": text("ship_line1") or "", "line2": text("ship_line2"),
            "city": text("ship_city") or "", "region": text("ship_region"),
            "postal_code": text("ship_postal_code"),
            "country": (text("ship_country") or "").upper(), "phone": text("ship_phone"),
        }  # fmt: skip
    raw = {
        "channel": channel,
        "external_id": external_id,
        "external_number": text("external_number"),
        "placed_at": text("placed_at"),
        "currency": currency,
        "customer": {
            "name": text("customer_name"),
            "email": text("customer_email"),
            "phone": text("customer_phone"),
        },
        "shipping_address": address,
        "lines": lines,
        "shipping": shipping,
        "totals": {
            "subtotal": subtotal,
            "discount": discount,
            "shipping": shipping["price"],
            "tax": tax,
            "tax_included": tax_included,
            "total": max(total, 0),
        },
        "payment": {"status": text("payment_status") or "pending"},
        "tags": [t.strip() for t in (text("tags") or "").split("|") if t.strip()],
        "note": text("note"),
    }
    if errors:
        return CsvOrder(external_id, lines_at, None, errors)
    try:
        order = msgspec.convert(raw, OrderData)
    except msgspec.ValidationError as exc:
        reason, _, path = str(exc).partition(" - at `$")
        field = path.rstrip("`").lstrip(".") or "row"
        return CsvOrder(
            external_id, lines_at, None, [f"line {_line_of(field, lines_at)}: {field}: {reason}"]
        )
    problems = check(order)
    if problems:
        return CsvOrder(
            external_id,
            lines_at,
            None,
            [f"line {_line_of(p.field, lines_at)}: {p.field}: {p.reason}" for p in problems],
        )
    return CsvOrder(external_id, lines_at, order, [])


def _line_of(field: str, lines_at: list[int]) -> int:
    """The file line a canonical field came from (a line's own row, else the order's first)."""
    if field.startswith("lines["):
        index = int(field[len("lines[") : field.index("]")])
        if index < len(lines_at):
            return lines_at[index]
    return lines_at[0]
