"""Shipment confirmations in: one CSV file the warehouse dropped, read into ShipmentReports.

Columns (header row first, names case-insensitive, any order, extra columns ignored, a
UTF-8 BOM allowed): ``fulfilment_id``, ``sku``, ``quantity`` (required), ``shipment_id``,
``carrier``, ``service``, ``tracking_number``, ``tracking_url``, ``shipped_at`` (optional).
One row per SKU of a parcel; rows are grouped into parcels by (fulfilment_id, shipment_id
or else tracking_number). A file with one bad row is refused whole (``FileError``).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

from hub.sdk import ParcelLine, ShipmentReport

REQUIRED_COLUMNS: tuple[str, ...] = ("fulfilment_id", "sku", "quantity")
#: what every row of one parcel must agree on (when it gives a value at all)
PARCEL_COLUMNS: tuple[str, ...] = (
    "carrier",
    "service",
    "tracking_number",
    "tracking_url",
    "shipped_at",
)
OPTIONAL_COLUMNS: tuple[str, ...] = ("shipment_id", *PARCEL_COLUMNS)
POSITIVE_INT = re.compile(r"^[0-9]{1,9}$")


class FileError(Exception):
    """A confirmation file that cannot be read; the message names the row and the field."""


def _shown(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:40] + "...")


def parse_when(value: str) -> datetime:
    """An ISO 8601 date (midnight UTC) or date-time (no offset: UTC), as aware UTC."""
    when = datetime.fromisoformat(value)
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


class _Parcel:
    """The rows of one parcel so far."""

    def __init__(self, fulfilment_id: str, shipment_id: str | None, row: int) -> None:
        self.fulfilment_id = fulfilment_id
        self.shipment_id = shipment_id
        self.row = row
        self.values: dict[str, str | datetime] = {}
        self.quantities: dict[str, int] = {}

    def add(self, row: int, sku: str, quantity: int, values: dict[str, str | datetime]) -> None:
        for column, value in values.items():
            known = self.values.setdefault(column, value)
            if known != value:
                raise FileError(
                    f"row {row}: {column} differs from row {self.row} of the same parcel"
                )
        self.quantities[sku] = self.quantities.get(sku, 0) + quantity

    def report(self) -> ShipmentReport:
        def text(column: str) -> str | None:
            value = self.values.get(column)
            return value if isinstance(value, str) else None

        shipped_at = self.values.get("shipped_at")
        return ShipmentReport(
            fulfilment_ref=self.fulfilment_id,
            partner_shipment_id=self.shipment_id,
            carrier=text("carrier"),
            service=text("service"),
            tracking_number=text("tracking_number"),
            tracking_url=text("tracking_url"),
            lines=[ParcelLine(sku, quantity) for sku, quantity in self.quantities.items()],
            shipped_at=shipped_at if isinstance(shipped_at, datetime) else None,
        )


def _rows(data: bytes, *, delimiter: str, encoding: str) -> list[list[str]]:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise FileError(f"not {encoding} text (byte {exc.start})") from None
    reader = csv.reader(
        io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=delimiter, strict=True
    )
    try:
        return list(reader)
    except csv.Error as exc:
        raise FileError(f"line {reader.line_num}: not CSV ({exc})") from None


def _header(row: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, name in enumerate(row):
        columns.setdefault(name.strip().lower(), index)
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise FileError(f"row 1 (header): no column {', '.join(missing)}")
    return columns


def read_reports(
    data: bytes, *, delimiter: str = ",", encoding: str = "utf-8"
) -> list[ShipmentReport]:
    """The parcels a confirmation file reports, in the order they first appear.

    Raises ``FileError`` (the message names the row, counting the header as row 1, and the
    field) when the file has no header, lacks a required column, or a row has no
    fulfilment_id or sku, a quantity that is not a positive whole number, a shipped_at that
    is not an ISO date or date-time, or a parcel value that differs from an earlier row's.
    """
    rows = _rows(data, delimiter=delimiter, encoding=encoding)
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise FileError("row 1 (header): no header row")
    columns = _header(rows[0])
    parcels: dict[tuple[str, str], _Parcel] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(column: str, row: list[str] = row) -> str:
            index = columns.get(column)
            return row[index].strip() if index is not None and index < len(row) else ""

        fulfilment_id, sku, quantity = cell("fulfilment_id"), cell("sku"), cell("quantity")
        if not fulfilment_id:
            raise FileError(f"row {number}: fulfilment_id is missing")
        if not sku:
            raise FileError(f"row {number}: sku is missing")
        if not POSITIVE_INT.match(quantity) or int(quantity) == 0:
            raise FileError(
                f"row {number}: quantity {_shown(quantity)} is not a positive whole number"
            )
        values: dict[str, str | datetime] = {}
        for column in PARCEL_COLUMNS:
            value = cell(column)
            if value and column == "shipped_at":
                try:
                    values[column] = parse_when(value)
                except ValueError:
                    raise FileError(
                        f"row {number}: shipped_at {_shown(value)} is not an ISO date or date-time"
                    ) from None
            elif value:
                values[column] = value
        shipment_id = cell("shipment_id") or cell("tracking_number")
        key = (fulfilment_id, shipment_id)
        parcel = parcels.get(key)
        if parcel is None:
            parcel = parcels[key] = _Parcel(fulfilment_id, shipment_id or None, number)
        parcel.add(number, sku, int(quantity), values)
    return [parcel.report() for parcel in parcels.values()]
