"""Orders from a CSV file (call centre, spreadsheets), one row per order line, and their import.

Rows with the same ``external_id`` form one order; order columns are read from its first
row. Amounts are decimal strings in the order's currency (``29.90``), converted exactly.
Each order is checked like ``POST /orders``; a bad one is reported with its row numbers,
the field and the reason, and the others still go in (``import_orders``, through the order
writer, a batch at a time; ``write_report`` puts the failures in a CSV file).

The columns, by header name, are ``COLUMNS`` (``hub import --help`` lists them, with
``EXAMPLE``); only ``REQUIRED`` ones must be there.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from hub.domain.bounds import explain
from hub.domain.money import MoneyError, to_minor
from hub.domain.order import OrderData, check
from hub.errors import HubError
from hub.services.intake.writer import IngestRequest, IngestResult, OrderWriter

REQUIRED = ("external_id", "currency", "sku", "quantity", "unit_price")
#: every column the reader knows, in groups: (what the group is, its columns)
COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("required", REQUIRED),
    ("order", ("placed_at", "external_number", "payment_status", "tax_included", "note",
               "tags")),
    ("customer", ("customer_name", "customer_email", "customer_phone")),
    ("ship to", ("ship_name", "ship_company", "ship_line1", "ship_line2", "ship_city",
                 "ship_region", "ship_postal_code", "ship_country", "ship_phone")),
    ("line", ("name", "line_discount", "line_tax")),
    ("shipping", ("shipping_method", "shipping_price", "shipping_discount", "shipping_tax")),
)  # fmt: skip
#: a file of one order with two lines (what ``hub import --help`` shows)
EXAMPLE = """\
external_id,currency,sku,quantity,unit_price,customer_name,payment_status
CC-1,EUR,TEE-ORG-BLK-M,2,29.00,Ana Lima,paid
CC-1,EUR,MUG-CER-350,1,14.50,,
"""
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


@dataclass(slots=True)
class ImportReport:
    created: int = 0
    existing: int = 0  # already stored with the same content: a re-import changes nothing
    failures: list[tuple[str, str]] = field(default_factory=list)  # (external_id, reason)

    @property
    def failed_orders(self) -> int:
        return len({external_id for external_id, _ in self.failures})


def read_orders(text: str, *, channel: str) -> Iterator[CsvOrder]:
    """Every order of the file (its rows grouped by ``external_id``), checked or with reasons."""
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
    """One order from its rows: checked like ``POST /orders``, or the reasons it is not one."""
    lines_at = [n for n, _ in rows]
    if external_id.startswith("(blank"):
        return CsvOrder(external_id, lines_at, None, [f"line {lines_at[0]}: external_id: empty"])
    cells = _Cells(rows[0])
    raw = _raw_order(cells, rows, channel=channel, external_id=external_id)
    if cells.errors:
        return CsvOrder(external_id, lines_at, None, cells.errors)
    try:
        order = msgspec.convert(raw, OrderData)
    except msgspec.ValidationError as exc:
        reason, _, path = str(exc).partition(" - at `$")
        reason = explain(reason)
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


class _Cells:
    """Reads one order's cells: order columns from its first row, amounts in its currency;
    collects an error per bad cell ("line N: column: reason") instead of stopping."""

    def __init__(self, first: tuple[int, dict[str, str]]) -> None:
        self.first_line, self.head = first
        self.currency = (self.head.get("currency") or "").strip().upper()
        self.errors: list[str] = []

    def text(self, column: str) -> str | None:
        value = (self.head.get(column) or "").strip()
        return value or None

    def money(self, line: int, row: dict[str, str], column: str) -> int:
        raw = (row.get(column) or "").strip()
        if not raw:
            return 0
        try:
            return to_minor(raw, self.currency)
        except MoneyError as exc:
            self.errors.append(f"line {line}: {column}: {exc}")
            return 0

    def quantity(self, line: int, row: dict[str, str]) -> int:
        try:
            return int((row.get("quantity") or "").strip())
        except ValueError:
            self.errors.append(
                f"line {line}: quantity: {row.get('quantity')!r} is not a whole number"
            )
            return 0


def _raw_order(
    cells: _Cells, rows: list[tuple[int, dict[str, str]]], *, channel: str, external_id: str
) -> dict[str, Any]:
    """The order as ``POST /orders`` would receive it; totals worked out from the lines."""
    text = cells.text
    lines = [_line(cells, line, row) for line, row in rows]
    shipping = {
        "method": text("shipping_method"),
        "price": cells.money(cells.first_line, cells.head, "shipping_price"),
        "discount": cells.money(cells.first_line, cells.head, "shipping_discount"),
        "tax": cells.money(cells.first_line, cells.head, "shipping_tax"),
    }
    tax_included = (text("tax_included") or "false").lower() in ("true", "yes", "1")
    return {
        "channel": channel,
        "external_id": external_id,
        "external_number": text("external_number"),
        "placed_at": text("placed_at"),
        "currency": cells.currency,
        "customer": {
            "name": text("customer_name"),
            "email": text("customer_email"),
            "phone": text("customer_phone"),
        },
        "shipping_address": _address(cells),
        "lines": lines,
        "shipping": shipping,
        "totals": _totals(lines, shipping, tax_included=tax_included),
        "payment": {"status": text("payment_status") or "pending"},
        "tags": [t.strip() for t in (text("tags") or "").split("|") if t.strip()],
        "note": text("note"),
    }


def _line(cells: _Cells, line: int, row: dict[str, str]) -> dict[str, Any]:
    return {
        "sku": (row.get("sku") or "").strip(),
        "name": (row.get("name") or "").strip() or None,
        "quantity": cells.quantity(line, row),
        "unit_price": cells.money(line, row, "unit_price"),
        "discount": cells.money(line, row, "line_discount"),
        "tax": cells.money(line, row, "line_tax"),
    }


def _address(cells: _Cells) -> dict[str, Any] | None:
    text = cells.text
    if not (text("ship_line1") or text("ship_country")):
        return None
    return {
        "name": text("ship_name"), "company": text("ship_company"),
        "line1": text("ship_line1") or "", "line2": text("ship_line2"),
        "city": text("ship_city") or "", "region": text("ship_region"),
        "postal_code": text("ship_postal_code"),
        "country": (text("ship_country") or "").upper(), "phone": text("ship_phone"),
    }  # fmt: skip


def _totals(
    lines: list[dict[str, Any]], shipping: dict[str, Any], *, tax_included: bool
) -> dict[str, Any]:
    subtotal = sum(ln["unit_price"] * ln["quantity"] for ln in lines)
    discount = sum(ln["discount"] for ln in lines) + shipping["discount"]
    tax = sum(ln["tax"] for ln in lines) + shipping["tax"]
    total = subtotal - discount + shipping["price"] + (0 if tax_included else tax)
    return {
        "subtotal": subtotal,
        "discount": discount,
        "shipping": shipping["price"],
        "tax": tax,
        "tax_included": tax_included,
        "total": max(total, 0),
    }


def _line_of(field: str, lines_at: list[int]) -> int:
    """The file line a canonical field came from (a line's own row, else the order's first)."""
    if field.startswith("lines["):
        index = int(field[len("lines[") : field.index("]")])
        if index < len(lines_at):
            return lines_at[index]
    return lines_at[0]


async def import_orders(
    writer: OrderWriter,
    orders: Sequence[CsvOrder],
    *,
    actor: str,
    batch_size: int = 100,
    progress: Callable[[int], None] = lambda _: None,
) -> ImportReport:
    """Store the good orders through ``writer``, ``batch_size`` at a time (submitted together,
    so the writer commits them in groups); report each bad or refused one. Failures come in
    file order: first those found reading the file, then those the writer refused."""
    report = ImportReport(failures=[(o.external_id, e) for o in orders for e in o.errors])
    good = [o for o in orders if o.order is not None]
    progress(len(orders) - len(good))
    for start in range(0, len(good), batch_size):
        batch = good[start : start + batch_size]
        results = await asyncio.gather(
            *(_submit(writer, item, actor) for item in batch), return_exceptions=True
        )
        for item, result in zip(batch, results, strict=True):
            if isinstance(result, HubError):
                report.failures.append((item.external_id, f"line {item.rows[0]}: {result.detail}"))
            elif isinstance(result, BaseException):
                raise result
            else:
                report.created += result.created
                report.existing += not result.created
        progress(len(batch))
    return report


async def _submit(writer: OrderWriter, item: CsvOrder, actor: str) -> IngestResult:
    assert item.order is not None
    return await writer.submit(IngestRequest(data=item.order, actor=actor))


def write_report(path: str | Path, failures: Sequence[tuple[str, str]]) -> None:
    """The failures as CSV (``external_id,reason``), for fixing the file and importing again."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["external_id", "reason"])
        out.writerows(failures)
