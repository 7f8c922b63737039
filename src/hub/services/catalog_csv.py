"""SKUs from a CSV file, and their import in batches with a report per bad row.

Columns: ``sku`` and ``name`` (required); ``attributes`` (a JSON object, or empty);
``aliases`` (separated by ``|``); ``components`` for a bundle (``PAD*2|PEN``: two PAD and
one PEN per bundle); and one ``listing:<connection>`` column per connection,
holding that partner's identifier (empty: no listing there), e.g. ``listing:shopify-eu``;
and one ``bin:<location>`` column per location, the SKU's bin there (empty: left as it is),
e.g. ``bin:main``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from hub.domain.bounds import explain
from hub.errors import HubError
from hub.services.catalog import SkuIn, upsert_skus
from hub.services.stock.bins import location_codes, set_bins
from hub.store.database import Database

REQUIRED = ("sku", "name")
OPTIONAL = ("attributes", "aliases", "components")
LISTING = "listing:"
BIN = "bin:"
BIN_LENGTH = 64


@dataclass(frozen=True, slots=True)
class CsvSku:
    line: int  # 1-based file line number (the header is line 1)
    item: SkuIn | None
    error: str | None  # "field: reason"
    bins: dict[str, str] = field(default_factory=dict)  # location -> bin


class CsvFormatError(ValueError):
    """The file as a whole cannot be read (no header, a column missing or unknown)."""


def read_skus(text: str) -> list[CsvSku]:
    """Every row of the file, each either a checked ``SkuIn`` or the reason it is not one."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None:
        raise CsvFormatError("the file is empty; expected a header row")
    columns = [c.strip() for c in reader.fieldnames]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise CsvFormatError(f"the header lacks required columns: {', '.join(missing)}")
    unknown = [c for c in columns if c not in REQUIRED + OPTIONAL and not _per_place(c)]
    if unknown:
        raise CsvFormatError(f"unknown columns: {', '.join(unknown)}")
    reader.fieldnames = columns
    return [_row(reader.line_num, row) for row in reader]


def _per_place(column: str) -> bool:
    """A ``listing:<connection>`` or ``bin:<location>`` column (with its code)."""
    return any(column.startswith(p) and len(column) > len(p) for p in (LISTING, BIN))


def _row(line: int, row: dict[str, Any]) -> CsvSku:
    cells = {k: (v or "").strip() for k, v in row.items() if k is not None}
    raw: dict[str, Any] = {"sku": cells["sku"], "name": cells["name"]}
    if cells.get("attributes"):
        try:
            raw["attributes"] = msgspec.json.decode(cells["attributes"])
        except msgspec.DecodeError:
            return CsvSku(line, None, "attributes: not valid JSON")
        if not isinstance(raw["attributes"], dict):
            return CsvSku(line, None, "attributes: not a JSON object")
    if cells.get("aliases"):
        raw["aliases"] = [a.strip() for a in cells["aliases"].split("|") if a.strip()]
    if cells.get("components"):
        try:
            raw["components"] = _components(cells["components"])
        except ValueError:
            return CsvSku(line, None, "components: write SKU*quantity, e.g. PAD*2|PEN")
    raw["listings"] = {
        k.removeprefix(LISTING): v for k, v in cells.items() if k.startswith(LISTING) and v
    }
    bins = {k.removeprefix(BIN): v for k, v in cells.items() if k.startswith(BIN) and v}
    for location, label in bins.items():
        if len(label) > BIN_LENGTH or not label.isprintable():
            return CsvSku(line, None, f"{BIN}{location}: at most {BIN_LENGTH} printable characters")
    try:
        return CsvSku(line, msgspec.convert(raw, SkuIn), None, bins)
    except msgspec.ValidationError as exc:
        reason, _, where = str(exc).partition(" - at ")
        field = where.strip("`").removeprefix("$.") or "row"
        return CsvSku(line, None, f"{field}: {explain(reason).replace('`', '')}")


def _components(cell: str) -> dict[str, int]:
    """``PAD*2|PEN`` -> {"PAD": 2, "PEN": 1}; ValueError on a quantity that is not a number."""
    out: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in cell.split("|"))):
        sku, star, quantity = part.rpartition("*")
        if star:
            out[sku.strip()] = int(quantity)
        else:
            out[part] = 1
    return out


def _reason(exc: HubError) -> str:
    """The first field error without its ``skus[0].`` prefix, else the detail."""
    if exc.errors:
        first = exc.errors[0]
        return f"{first.field.split('.', 1)[-1]}: {first.reason}"
    return exc.detail


async def import_skus(
    db: Database,
    rows: Sequence[CsvSku],
    *,
    batch_size: int = 500,
    progress: Callable[[int], None] = lambda _: None,
) -> tuple[int, list[tuple[int, str]]]:
    """Store the good rows in batches; a batch that fails is retried row by row so each
    bad row is named. Returns (stored, [(line, reason)]) with failures in line order.
    A row's bins are set once its SKU is stored; a bin at an unknown location fails the row."""
    failures = [(r.line, r.error or "") for r in rows if r.item is None]
    known = await location_codes(db) if any(r.bins for r in rows) else set()
    for r in rows:
        unknown = sorted(set(r.bins) - known)
        if r.item is not None and unknown:
            failures.append((r.line, f"{BIN}{unknown[0]}: unknown location"))
    progress(len(failures))
    failed = {line for line, _ in failures}
    good = [r for r in rows if r.line not in failed]
    stored = 0
    for start in range(0, len(good), batch_size):
        batch = good[start : start + batch_size]
        done = await _store_batch(db, batch, failures)
        await set_bins(
            db, {(r.item.sku, loc): b for r in done if r.item for loc, b in r.bins.items()}
        )
        stored += len(done)
        progress(len(batch))
    return stored, sorted(failures)


async def _store_batch(
    db: Database, batch: Sequence[CsvSku], failures: list[tuple[int, str]]
) -> list[CsvSku]:
    """The rows of ``batch`` stored: all at once, else one by one (failures noted)."""
    try:
        await upsert_skus(db, [r.item for r in batch if r.item is not None])
        return list(batch)
    except HubError:
        done = []
        for r in batch:
            assert r.item is not None
            try:
                await upsert_skus(db, [r.item])
                done.append(r)
            except HubError as exc:
                failures.append((r.line, _reason(exc)))
        return done
