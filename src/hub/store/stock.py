"""Locations, stock levels and the append-only movement ledger (synchronous: run in run_write).

Every change to a level is written with its movement row in the same transaction, so the
ledger and the levels cannot disagree. Levels are locked in (sku, location) order
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's single writer serialises anyway), so two
transactions that touch the same rows queue instead of deadlocking.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, case, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from hub.domain.stock import Level, MovementKind
from hub.store.bulk import insert_rows
from hub.store.tables import locations, stock_levels, stock_movements
from hub.store.tables import order_lines as order_lines_table

Key = tuple[str, str]  # (sku, location)

#: kinds whose quantity is a change to on_hand; the others change reserved (shipment: both).
ON_HAND_KINDS = (
    MovementKind.RECEIPT,
    MovementKind.ADJUSTMENT,
    MovementKind.COUNT,
    MovementKind.RETURN,
    MovementKind.SHIPMENT,
)
RESERVED_KINDS = (MovementKind.RESERVATION, MovementKind.RELEASE, MovementKind.SHIPMENT)


def add_location(conn: Connection, **values: Any) -> bool:
    """Insert a location (column -> value); False if the code is taken."""
    if conn.execute(select(locations.c.code).where(locations.c.code == values["code"])).first():
        return False
    conn.execute(insert(locations).values(**values))
    return True


def location_codes(conn: Connection) -> set[str]:
    return set(conn.execute(select(locations.c.code)).scalars())


def list_locations(conn: Connection) -> list[Any]:
    return list(conn.execute(select(locations).order_by(locations.c.priority, locations.c.code)))


def ensure_levels(conn: Connection, keys: Iterable[Key]) -> None:
    """Create zero levels for keys that have none yet (so they can be locked)."""
    rows = [{"sku": s, "location": loc, "on_hand": 0, "reserved": 0} for s, loc in sorted(keys)]
    if not rows:
        return
    ins = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(ins(stock_levels).values(rows).on_conflict_do_nothing())


def lock_levels(
    conn: Connection, skus: Iterable[str], *, for_update: bool = True
) -> dict[Key, tuple[int, Level]]:
    """Every level of ``skus``, locked in (sku, location) order, with its location priority
    (``for_update=False``: read only, nothing locked)."""
    wanted = sorted(set(skus))
    if not wanted:
        return {}
    query = (
        select(stock_levels, locations.c.priority)
        .join(locations, locations.c.code == stock_levels.c.location)
        .where(stock_levels.c.sku.in_(wanted))
        .order_by(stock_levels.c.sku, stock_levels.c.location)
    )
    if for_update and conn.dialect.name == "postgresql":
        query = query.with_for_update(of=stock_levels)
    return {
        (r.sku, r.location): (r.priority, Level(r.on_hand, r.reserved)) for r in conn.execute(query)
    }


def record(
    conn: Connection,
    *,
    sku: str,
    location: str,
    kind: MovementKind,
    quantity: int,
    after: Level,
    reason: str | None,
    source: str,
    order_id: str | None,
    now: datetime,
) -> None:
    """Write one movement and set the level to ``after`` (the level row must exist)."""
    conn.execute(
        update(stock_levels)
        .where(stock_levels.c.sku == sku, stock_levels.c.location == location)
        .values(on_hand=after.on_hand, reserved=after.reserved)
    )
    conn.execute(
        insert(stock_movements).values(
            at=now,
            sku=sku,
            location=location,
            kind=kind,
            quantity=quantity,
            on_hand_after=after.on_hand,
            reserved_after=after.reserved,
            reason=reason,
            source=source,
            order_id=order_id,
        )
    )


def record_many(
    conn: Connection, movements: Sequence[dict[str, Any]], final: dict[Key, Level]
) -> None:
    """Write many movements (rows of ``stock_movements``: sku, location, kind, quantity,
    on_hand_after, reserved_after, reason, source, order_id, at) in one driver call, and
    set each level they touch once, to its value after the last of them (``final``): one
    statement per (sku, location), whatever the number of movements. The levels must
    exist and be locked by the caller (``lock_levels``), as for ``record``."""
    if not movements:
        return
    insert_rows(conn, stock_movements, movements)
    conn.execute(
        update(stock_levels)
        .where(
            stock_levels.c.sku == bindparam("k_sku"),
            stock_levels.c.location == bindparam("k_location"),
        )
        .values(on_hand=bindparam("k_on_hand"), reserved=bindparam("k_reserved")),
        [
            {"k_sku": sku, "k_location": loc, "k_on_hand": lvl.on_hand, "k_reserved": lvl.reserved}
            for (sku, loc), lvl in sorted(final.items())
        ],
    )


def reserved_for_order(conn: Connection, order_id: str) -> dict[Key, int]:
    """What the ledger still holds reserved for an order, per (sku, location)."""
    signed = case((stock_movements.c.kind.in_(RESERVED_KINDS), stock_movements.c.quantity), else_=0)
    rows = conn.execute(
        select(stock_movements.c.sku, stock_movements.c.location, func.sum(signed).label("n"))
        .where(stock_movements.c.order_id == order_id)
        .group_by(stock_movements.c.sku, stock_movements.c.location)
        .order_by(stock_movements.c.sku, stock_movements.c.location)
    )
    return {(r.sku, r.location): int(r.n) for r in rows if r.n}


def ledger_totals(conn: Connection) -> dict[Key, Level]:
    """Levels as the ledger alone says they are (for checks and tests)."""
    q = stock_movements.c.quantity
    kind = stock_movements.c.kind
    rows = conn.execute(
        select(
            stock_movements.c.sku,
            stock_movements.c.location,
            func.sum(case((kind.in_(ON_HAND_KINDS), q), else_=0)).label("on_hand"),
            func.sum(case((kind.in_(RESERVED_KINDS), q), else_=0)).label("reserved"),
        ).group_by(stock_movements.c.sku, stock_movements.c.location)
    )
    return {(r.sku, r.location): Level(int(r.on_hand), int(r.reserved)) for r in rows}


def levels(conn: Connection, sku: str | None = None) -> dict[Key, Level]:
    query = select(stock_levels).order_by(stock_levels.c.sku, stock_levels.c.location)
    if sku is not None:
        query = query.where(stock_levels.c.sku == sku)
    return {(r.sku, r.location): Level(r.on_hand, r.reserved) for r in conn.execute(query)}


def levels_with_safety(conn: Connection, sku: str) -> list[tuple[str, Level, int]]:
    """The SKU's level at each location, with that location's safety stock, by location."""
    rows = conn.execute(
        select(stock_levels, locations.c.safety_stock)
        .join(locations, locations.c.code == stock_levels.c.location)
        .where(stock_levels.c.sku == sku)
        .order_by(stock_levels.c.location)
    )
    return [(r.location, Level(r.on_hand, r.reserved), r.safety_stock) for r in rows]


def levels_with_safety_many(
    conn: Connection, skus: Iterable[str]
) -> dict[str, list[tuple[str, Level, int]]]:
    """``levels_with_safety`` for many SKUs in one query; SKUs with no level are left out."""
    wanted = sorted(set(skus))
    out: dict[str, list[tuple[str, Level, int]]] = {}
    for start in range(0, len(wanted), 1000):
        rows = conn.execute(
            select(stock_levels, locations.c.safety_stock)
            .join(locations, locations.c.code == stock_levels.c.location)
            .where(stock_levels.c.sku.in_(wanted[start : start + 1000]))
            .order_by(stock_levels.c.sku, stock_levels.c.location)
        )
        for r in rows:
            out.setdefault(r.sku, []).append(
                (r.location, Level(r.on_hand, r.reserved), r.safety_stock)
            )
    return out


def all_skus(conn: Connection) -> set[str]:
    """Every SKU with a level anywhere."""
    return set(conn.execute(select(stock_levels.c.sku).distinct()).scalars())


def order_lines(conn: Connection, order_ids: Iterable[str]) -> list[tuple[str, str, int]]:
    """(order_id, sku, quantity) of each line of the orders, in order and line order."""
    rows = conn.execute(
        select(order_lines_table.c.order_id, order_lines_table.c.sku, order_lines_table.c.quantity)
        .where(order_lines_table.c.order_id.in_(list(order_ids)))
        .order_by(order_lines_table.c.order_id, order_lines_table.c.position)
    )
    return [(r.order_id, r.sku, r.quantity) for r in rows]


def set_bins(conn: Connection, bins: dict[Key, str | None]) -> None:
    """Set the bin of each (sku, location), creating a zero level where there is none
    (a bin may be known before the first unit arrives); None clears it."""
    ensure_levels(conn, bins)
    for (sku, location), label in sorted(bins.items()):
        conn.execute(
            update(stock_levels)
            .where(stock_levels.c.sku == sku, stock_levels.c.location == location)
            .values(bin=label)
        )


def bins_at(conn: Connection, location: str, skus: Iterable[str]) -> dict[str, str]:
    """The bin of each of ``skus`` that has one at ``location``."""
    wanted = sorted(set(skus))
    out: dict[str, str] = {}
    for start in range(0, len(wanted), 1000):
        rows = conn.execute(
            select(stock_levels.c.sku, stock_levels.c.bin).where(
                stock_levels.c.location == location,
                stock_levels.c.sku.in_(wanted[start : start + 1000]),
                stock_levels.c.bin.is_not(None),
            )
        )
        out.update({r.sku: r.bin for r in rows})
    return out


def bins_of(conn: Connection, sku: str) -> dict[str, str]:
    """location -> the bin of ``sku`` there, where it has one."""
    rows = conn.execute(
        select(stock_levels.c.location, stock_levels.c.bin).where(
            stock_levels.c.sku == sku, stock_levels.c.bin.is_not(None)
        )
    )
    return {r.location: r.bin for r in rows}


def location(conn: Connection, code: str) -> Any | None:
    return conn.execute(select(locations).where(locations.c.code == code)).first()
