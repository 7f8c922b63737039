"""Demand history storage: the daily aggregate, what each order put into it, and the change
feed the incremental update reads (synchronous: every function runs in ``run_write``).

A cell of ``demand_daily`` is (sku, channel, day, location, kind, source). The update never
recounts a cell from the orders: it adds the difference between what an order contributes
now and what it contributed before (``demand_entries``), so a cancelled or changed order
takes out exactly its own units, and running the update twice changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, and_, bindparam, case, delete, func, insert, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from hub.domain.stock import MovementKind
from hub.store.planning_tables import demand_daily, demand_entries, demand_orders
from hub.store.tables import orders, stock_movements

ORDERS = "orders"
IMPORT = "import"
SOLD = "sold"
RETURNED = "returned"


class Cell(NamedTuple):
    sku: str
    channel: str
    day: date
    location: str
    kind: str


class Entry(NamedTuple):
    """What one order (or return) puts into one cell: ``ref`` names the order or return."""

    kind: str
    sku: str
    location: str
    channel: str
    day: date
    units: int

    @property
    def cell(self) -> Cell:
        return Cell(self.sku, self.channel, self.day, self.location, self.kind)


class Changed(NamedTuple):
    id: str
    version: int
    channel: str
    status: str
    placed_at: datetime
    updated_at: datetime


def _insert(conn: Connection) -> Any:
    return pg_insert if conn.dialect.name == "postgresql" else sqlite_insert


def changed_orders(
    conn: Connection,
    since: datetime | None,
    limit: int,
    after: tuple[datetime, str] | None = None,
) -> list[Changed]:
    """Orders changed after ``since`` whose current version is not counted yet, oldest
    change first; ``after`` (updated_at, id) skips what an earlier batch of the same run
    has walked past already."""
    counted = demand_orders.c.version
    query = (
        select(
            orders.c.id,
            orders.c.version,
            orders.c.channel,
            orders.c.status,
            orders.c.placed_at,
            orders.c.updated_at,
        )
        .outerjoin(demand_orders, demand_orders.c.order_id == orders.c.id)
        .where(or_(counted.is_(None), counted != orders.c.version))
        .order_by(orders.c.updated_at, orders.c.id)
        .limit(limit)
    )
    if since is not None:
        query = query.where(orders.c.updated_at > since)
    if after is not None:
        at, last = after
        query = query.where(
            or_(orders.c.updated_at > at, and_(orders.c.updated_at == at, orders.c.id > last))
        )
    return [Changed(*r) for r in conn.execute(query)]


def units_by_location(conn: Connection, order_ids: Sequence[str]) -> dict[tuple[str, str], Any]:
    """(order_id, sku) -> {location: units} the stock ledger holds for the order: reserved
    there (reservations less releases; a shipment keeps them, as shipped), plus units shipped
    there without a reservation (an adjustment carrying the order's id)."""
    kind, qty = stock_movements.c.kind, stock_movements.c.quantity
    signed = case(
        (kind.in_([MovementKind.RESERVATION, MovementKind.RELEASE]), qty),
        (kind == MovementKind.ADJUSTMENT, -qty),
        else_=0,
    )
    out: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for start in range(0, len(order_ids), 500):
        rows = conn.execute(
            select(
                stock_movements.c.order_id,
                stock_movements.c.sku,
                stock_movements.c.location,
                func.sum(signed).label("n"),
            )
            .where(stock_movements.c.order_id.in_(order_ids[start : start + 500]))
            .group_by(stock_movements.c.order_id, stock_movements.c.sku, stock_movements.c.location)
        )
        for r in rows:
            if r.n and r.n > 0:
                out[(r.order_id, r.sku)][r.location] = int(r.n)
    return out


def entries_of(conn: Connection, refs: Sequence[str], kind: str) -> dict[str, list[Entry]]:
    out: dict[str, list[Entry]] = defaultdict(list)
    for start in range(0, len(refs), 500):
        rows = conn.execute(
            select(demand_entries).where(
                demand_entries.c.ref.in_(refs[start : start + 500]), demand_entries.c.kind == kind
            )
        )
        for r in rows:
            out[r.ref].append(Entry(r.kind, r.sku, r.location, r.channel, r.day, r.units))
    return out


def replace_entries(
    conn: Connection, kind: str, new: Mapping[str, Sequence[Entry]], old: Mapping[str, Any]
) -> dict[Cell, int]:
    """Set each ref's entries of ``kind`` to ``new[ref]`` (``old``: what it had); returns the
    change per cell, which the caller adds to the aggregate."""
    deltas: dict[Cell, int] = defaultdict(int)
    changed = [ref for ref in new if sorted(new[ref]) != sorted(old.get(ref, []))]
    for ref in changed:
        for e in old.get(ref, []):
            deltas[e.cell] -= e.units
        for e in new[ref]:
            deltas[e.cell] += e.units
    for start in range(0, len(changed), 500):
        conn.execute(
            delete(demand_entries).where(
                demand_entries.c.ref.in_(changed[start : start + 500]),
                demand_entries.c.kind == kind,
            )
        )
    rows = [{"ref": ref, **e._asdict()} for ref in changed for e in new[ref]]
    if rows:
        conn.execute(insert(demand_entries), rows)
    return {c: d for c, d in deltas.items() if d}


def add_to_cells(conn: Connection, deltas: Mapping[Cell, int], source: str) -> None:
    """Add each delta to its cell of ``source`` (created at need); cells left at 0 go."""
    if not deltas:
        return
    ins = _insert(conn)(demand_daily)
    stmt = ins.on_conflict_do_update(
        index_elements=list(demand_daily.primary_key.columns.keys()),
        set_={"units": demand_daily.c.units + ins.excluded.units},
    )
    rows = [{**c._asdict(), "source": source, "units": n} for c, n in sorted(deltas.items())]
    conn.execute(stmt, rows)
    skus = sorted({c.sku for c in deltas})
    for start in range(0, len(skus), 500):
        conn.execute(
            delete(demand_daily).where(
                demand_daily.c.sku.in_(skus[start : start + 500]), demand_daily.c.units == 0
            )
        )


def mark_counted(conn: Connection, versions: Mapping[str, int]) -> None:
    if not versions:
        return
    ins = _insert(conn)(demand_orders)
    stmt = ins.on_conflict_do_update(
        index_elements=["order_id"], set_={"version": ins.excluded.version}
    )
    conn.execute(stmt, [{"order_id": k, "version": v} for k, v in sorted(versions.items())])


def forget_counted(conn: Connection) -> None:
    """Every order counts as not yet counted (a rebuild; its entries stay to diff against)."""
    conn.execute(delete(demand_orders))


def replace_imported(
    conn: Connection, keys: Iterable[tuple[date, str, str]], cells: Mapping[Cell, int]
) -> None:
    """Imported history: every imported cell of each (day, sku, channel) in ``keys`` is
    replaced by ``cells`` (whatever location and kind it had before)."""
    wanted = [{"d": d, "s": s, "c": c} for d, s, c in sorted(set(keys))]
    if wanted:
        conn.execute(
            delete(demand_daily).where(
                demand_daily.c.source == IMPORT,
                demand_daily.c.sku == bindparam("s"),
                demand_daily.c.channel == bindparam("c"),
                demand_daily.c.day == bindparam("d"),
            ),
            wanted,
        )
    rows = [{**c._asdict(), "source": IMPORT, "units": n} for c, n in sorted(cells.items()) if n]
    if rows:
        conn.execute(insert(demand_daily), rows)


def has_sales(conn: Connection) -> bool:
    return conn.execute(select(demand_daily.c.sku).limit(1)).first() is not None


def sold_skus(conn: Connection, since: date, until: date) -> list[str]:
    """Every SKU that sold something between ``since`` and ``until`` (inclusive)."""
    query = (
        select(demand_daily.c.sku)
        .where(demand_daily.c.kind == SOLD, demand_daily.c.day.between(since, until))
        .distinct()
        .order_by(demand_daily.c.sku)
    )
    return list(conn.execute(query).scalars())


class Units(NamedTuple):
    sku: str
    channel: str
    location: str
    day: date
    units: int


def daily_units(
    conn: Connection,
    skus: Sequence[str],
    since: date,
    until: date,
    *,
    kind: str = SOLD,
    channel: str | None = None,
) -> Iterator[Units]:
    """Units per (sku, channel, location, day) of ``kind`` over every source, by SKU."""
    query = (
        select(
            demand_daily.c.sku,
            demand_daily.c.channel,
            demand_daily.c.location,
            demand_daily.c.day,
            func.sum(demand_daily.c.units),
        )
        .where(
            demand_daily.c.sku.in_(list(skus)),
            demand_daily.c.kind == kind,
            demand_daily.c.day.between(since, until),
        )
        .group_by(
            demand_daily.c.sku, demand_daily.c.channel, demand_daily.c.location, demand_daily.c.day
        )
        .order_by(demand_daily.c.sku)
    )
    if channel is not None:
        query = query.where(demand_daily.c.channel == channel)
    for r in conn.execute(query):
        yield Units(r[0], r[1], r[2], r[3], int(r[4]))


def cells(conn: Connection, sku: str | None = None) -> dict[tuple[Cell, str], int]:
    """Every cell (with its source), for checks and tests."""
    query = select(demand_daily)
    if sku is not None:
        query = query.where(demand_daily.c.sku == sku)
    return {
        (Cell(r.sku, r.channel, r.day, r.location, r.kind), r.source): int(r.units)
        for r in conn.execute(query)
    }
