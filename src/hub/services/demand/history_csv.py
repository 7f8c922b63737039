"""Past sales from a CSV file (``hub history import``): the history from before the hub.

Columns: ``date`` (YYYY-MM-DD), ``sku``, ``channel``, ``units`` (a whole number, 0 or more),
and optionally ``location`` (a known location code) and ``kind`` (``sold``, the default, or
``returned``). SKUs go through the catalog like order lines: an alias counts as its SKU and
a bundle as its components. Rows with the same date, SKU, channel, location and kind are
added up (a file of order lines is fine).

Imported history is its own source in the aggregate (``source = import``), beside what the
hub counts from its own orders; the two are added when a forecast reads them, so import only
days from before the hub took orders. Importing is idempotent: the imported cells of each
(date, SKU, channel) the file names are *replaced* by what the file says (SKUs as the
catalog resolves them: a bundle's row replaces its components' cells of that day), so
running the same file twice leaves the same history, and a corrected file fixes the days
it names and nothing else.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection

from hub.services.demand.update import exploded
from hub.store import demand as store
from hub.store import stock as stock_store
from hub.store.database import Database
from hub.store.demand import Cell

REQUIRED = ("date", "sku", "channel", "units")
OPTIONAL = ("location", "kind")
KINDS = (store.SOLD, store.RETURNED)
EARLIEST = date(1990, 1, 1)


class CsvFormatError(ValueError):
    """The file as a whole cannot be read (no header, a column missing or unknown)."""


@dataclass(frozen=True, slots=True)
class HistoryRow:
    line: int  # 1-based file line (the header is line 1)
    day: date
    sku: str
    channel: str
    units: int
    location: str
    kind: str


@dataclass(frozen=True, slots=True)
class Imported:
    rows: int  # good rows stored
    keys: int  # (date, SKU, channel) replaced
    failures: list[tuple[int, str]]  # (line, "field: reason"), by line


def _check_text(name: str, value: str, longest: int) -> str | None:
    if not value:
        return f"{name}: is empty"
    if len(value) > longest:
        return f"{name}: longer than {longest} characters"
    return None


def _parse(line: int, cells: dict[str, str], locations: set[str]) -> HistoryRow | str:
    """One row, or the reason it is refused ("field: reason")."""
    try:
        day = date.fromisoformat(cells["date"])
    except ValueError:
        return f"date: {cells['date']!r} is not a date (YYYY-MM-DD)"
    if not EARLIEST <= day <= date(2999, 12, 31):
        return f"date: {day} is not between {EARLIEST} and 2999-12-31"
    for name, longest in (("sku", 100), ("channel", 64)):
        problem = _check_text(name, cells[name], longest)
        if problem:
            return problem
    raw = cells["units"]
    if not raw.isdigit():
        return f"units: {raw!r} is not a whole number of 0 or more"
    location = cells.get("location", "")
    if location and location not in locations:
        return f"location: no location {location!r}"
    kind = cells.get("kind") or store.SOLD
    if kind not in KINDS:
        return f"kind: {kind!r} is not one of {', '.join(KINDS)}"
    return HistoryRow(line, day, cells["sku"], cells["channel"], int(raw), location, kind)


def read_history(text: str, locations: set[str]) -> tuple[list[HistoryRow], list[tuple[int, str]]]:
    """Every row of the file: the good ones, and (line, reason) for each bad one."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None:
        raise CsvFormatError("the file is empty; expected a header row")
    columns = [c.strip() for c in reader.fieldnames]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise CsvFormatError(f"the header lacks required columns: {', '.join(missing)}")
    unknown = [c for c in columns if c not in REQUIRED + OPTIONAL]
    if unknown:
        raise CsvFormatError(f"unknown columns: {', '.join(unknown)}")
    reader.fieldnames = columns
    good, bad = [], []
    for row in reader:
        if None in row:
            bad.append((reader.line_num, "row: more cells than the header has columns"))
            continue
        cells = {k: (v or "").strip() for k, v in row.items()}
        parsed = _parse(reader.line_num, cells, locations)
        if isinstance(parsed, str):
            bad.append((reader.line_num, parsed))
        else:
            good.append(parsed)
    return good, bad


def _store(conn: Connection, rows: Sequence[HistoryRow]) -> int:
    """Replace the imported cells of every (day, stock SKU, channel) of ``rows``."""
    parts = exploded(conn, [(str(i), r.sku, r.units) for i, r in enumerate(rows)])
    cells: dict[Cell, int] = defaultdict(int)
    for i, r in enumerate(rows):
        for sku, units in parts.get(str(i), {r.sku: 0}).items():
            cells[Cell(sku, r.channel, r.day, r.location, r.kind)] += units
    keys = {(c.day, c.sku, c.channel) for c in cells}
    store.replace_imported(conn, keys, cells)
    return len(keys)


def _batches(rows: Sequence[HistoryRow], size: int) -> list[list[HistoryRow]]:
    """Rows in batches of about ``size`` that never split a day across two (a bundle and
    its component on one day land on the same cells, which one batch must replace)."""
    by_day: dict[date, list[HistoryRow]] = defaultdict(list)
    for r in rows:
        by_day[r.day].append(r)
    out: list[list[HistoryRow]] = [[]]
    for _, group in sorted(by_day.items()):
        if len(out[-1]) >= size:
            out.append([])
        out[-1].extend(group)
    return [b for b in out if b]


async def locations(db: Database) -> set[str]:
    async with db.read() as conn:
        return await conn.run_sync(stock_store.location_codes)


async def import_history(
    db: Database,
    rows: Sequence[HistoryRow],
    failures: Sequence[tuple[int, str]] = (),
    *,
    batch_size: int = 2000,
    progress: Callable[[int], None] = lambda _: None,
) -> Imported:
    """Store the good rows, one transaction per batch; ``failures`` are passed through."""
    progress(len(failures))
    keys = 0
    for batch in _batches(rows, batch_size):
        keys += await db.run_write(lambda conn, batch=batch: _store(conn, batch))
        progress(len(batch))
    return Imported(rows=len(rows), keys=keys, failures=sorted(failures))
