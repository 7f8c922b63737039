"""SKUs from a CSV file, and their import in batches with a report per bad row.

Columns: ``sku`` and ``name`` (required); ``attributes`` (a JSON object, or empty);
``aliases`` (separated by ``|``); ``components`` for a bundle (``PAD*2|PEN``: two PAD and
one PEN per bundle); and one ``listing:<connection>`` column per connection,
holding that partner's identifier (empty: no listing there), e.g. ``listing:shopify-eu``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from hub.domain.bounds import explain
from hub.errors import HubError
from hub.services.catalog import SkuIn, upsert_skus
from hub.store.database import Database

REQUIRED = ("sku", "name")
OPTIONAL = ("attributes", "aliases", "components")
LISTING = "listing:"


@dataclass(frozen=True, slots=True)
class CsvSku:
    line: int  # 1-based file line number (the header is line 1)
    item: SkuIn | None
    error: str | None  # "field: reason"


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
    unknown = [c for c in columns if c not in REQUIRED + OPTIONAL and not c.startswith(LISTING)]
    if unknown:
        raise CsvFormatError(f"unknown columns: {', '.join(unknown)}")
    reader.fieldnames = columns
    return [_row(reader.line_num, row) for row in reader]


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
    try:
        return CsvSku(line, msgspec.convert(raw, SkuIn), None)
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
    bad row is named. Returns (stored, [(line, reason)]) with failures in line order."""
    stored = 0
    failures = [(r.line, r.error or "") for r in rows if r.item is None]
    progress(len(failures))
    good = [r for r in rows if r.item is not None]
    for start in range(0, len(good), batch_size):
        batch = good[start : start + batch_size]
        try:
            stored += await upsert_skus(db, [r.item for r in batch if r.item is not None])
        except HubError:
            for r in batch:
                assert r.item is not None
                try:
                    stored += await upsert_skus(db, [r.item])
                except HubError as exc:
                    failures.append((r.line, _reason(exc)))
        progress(len(batch))
    return stored, sorted(failures)
