"""Stock sync state (synchronous: run inside ``Database.run_write`` or a read's run_sync).

- ``stock_dirty``: SKUs whose figures may have moved, marked in the movement's transaction.
- ``stock_sync``: one row per (connection, SKU) the hub keeps in step: pending or not, the
  last figure pushed and when, the last error, and the figure and listing the partner
  refused for good (not sent again until one of them changes, or a resync forces it).
- ``stock_drift``: what a drift check found on a channel that differed from the hub.

``stock_sync`` rows are versioned: every change bumps ``version``, and ``record_pushed``
clears a row only where the version is still the one that was read, so a change that lands
while a push is in flight is never lost, on SQLite or PostgreSQL. ``stock_dirty`` is
append-only, and the fan-out deletes exactly the marks it read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, or_, select, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from hub.store.paging import any_of, keyset, where_all
from hub.store.tables import sku_listings, stock_dirty, stock_drift, stock_sync


def _upsert(conn: Connection, table: Any) -> Any:
    return (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(table)


def mark_dirty(conn: Connection, skus: Iterable[str], *, now: datetime) -> None:
    """Note that these SKUs' figures may have moved (call inside the movement's transaction).

    An append, never an update: a busy SKU costs one small row per transaction, and no
    transaction ever waits for another's lock here.
    """
    wanted = sorted(set(skus))
    if wanted:
        conn.execute(insert(stock_dirty), [{"sku": s, "changed_at": now} for s in wanted])


def dirty(conn: Connection, limit: int) -> list[tuple[int, str]]:
    """The oldest marks, (id, sku); one SKU may appear more than once."""
    rows = conn.execute(
        select(stock_dirty.c.id, stock_dirty.c.sku).order_by(stock_dirty.c.id).limit(limit)
    )
    return [(r.id, r.sku) for r in rows]


def clear_dirty(conn: Connection, seen: Sequence[tuple[int, str]]) -> None:
    """Drop the marks that were read (a mark added since has a higher id and stays)."""
    if seen:
        ids = [i for i, _ in seen]
        conn.execute(delete(stock_dirty).where(stock_dirty.c.id.in_(ids)))


def listed(
    conn: Connection, skus: Iterable[str], connections: Iterable[str]
) -> set[tuple[str, str]]:
    """(connection, sku) pairs that have a listing id in the catalog."""
    wanted, codes = sorted(set(skus)), sorted(set(connections))
    if not wanted or not codes:
        return set()
    rows = conn.execute(
        select(sku_listings.c.connection, sku_listings.c.sku).where(
            sku_listings.c.sku.in_(wanted), sku_listings.c.connection.in_(codes)
        )
    )
    return {(r.connection, r.sku) for r in rows}


def listing_ids(conn: Connection, connection: str, skus: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(skus))
    if not wanted:
        return {}
    rows = conn.execute(
        select(sku_listings.c.sku, sku_listings.c.listing_id).where(
            sku_listings.c.connection == connection, sku_listings.c.sku.in_(wanted)
        )
    )
    return {r.sku: r.listing_id for r in rows}


def all_listed_skus(conn: Connection, connection: str) -> list[str]:
    rows = conn.execute(
        select(sku_listings.c.sku)
        .where(sku_listings.c.connection == connection)
        .order_by(sku_listings.c.sku)
    )
    return list(rows.scalars())


def mark_pending(
    conn: Connection,
    pairs: Iterable[tuple[str, str]],
    *,
    now: datetime,
    force: bool = False,
) -> int:
    """Make each (connection, sku) pending (a new row, or a version bump). Returns the count."""
    rows = [
        {
            "connection": c,
            "sku": s,
            "pending": True,
            "force": force,
            "version": 1,
            "changed_at": now,
            "attempts": 0,
        }
        for c, s in sorted(set(pairs))
    ]
    if not rows:
        return 0
    stmt = _upsert(conn, stock_sync)
    set_: dict[str, Any] = {
        "pending": True,
        "version": stock_sync.c.version + 1,
        "changed_at": stmt.excluded.changed_at,
    }
    if force:
        set_["force"] = True
    stmt = stmt.on_conflict_do_update(
        index_elements=[stock_sync.c.connection, stock_sync.c.sku], set_=set_
    )
    for start in range(0, len(rows), 5000):
        conn.execute(stmt, rows[start : start + 5000])
    return len(rows)


def pending(conn: Connection, connection: str, limit: int) -> list[Any]:
    """The connection's oldest pending rows (sku, version, changed_at, force,
    pushed_quantity, refused_quantity, refused_listing)."""
    return list(
        conn.execute(
            select(
                stock_sync.c.sku,
                stock_sync.c.version,
                stock_sync.c.changed_at,
                stock_sync.c.force,
                stock_sync.c.pushed_quantity,
                stock_sync.c.refused_quantity,
                stock_sync.c.refused_listing,
            )
            .where(stock_sync.c.connection == connection, stock_sync.c.pending == true())
            .order_by(stock_sync.c.changed_at, stock_sync.c.sku)
            .limit(limit)
        )
    )


def pending_summary(conn: Connection) -> dict[str, tuple[int, int]]:
    """connection -> (pending rows, the most failed attempts among them)."""
    rows = conn.execute(
        select(stock_sync.c.connection, func.count(), func.max(stock_sync.c.attempts))
        .where(stock_sync.c.pending == true())
        .group_by(stock_sync.c.connection)
    )
    return {r[0]: (int(r[1]), int(r[2] or 0)) for r in rows}


def _by_version(
    conn: Connection, connection: str, rows: list[dict[str, Any]], **values: Any
) -> None:
    """One UPDATE per row, sent as one executemany: rows are (sku, version read)."""
    if rows:
        stmt = (
            update(stock_sync)
            .where(
                stock_sync.c.connection == connection,
                stock_sync.c.sku == bindparam("b_sku"),
                stock_sync.c.version == bindparam("b_version"),
            )
            .values(**values)
        )
        conn.execute(stmt, rows)


def record_pushed(
    conn: Connection,
    connection: str,
    pushed: Sequence[tuple[str, int, int]],
    *,
    now: datetime,
    sent: bool = True,
) -> None:
    """(sku, version read, figure): the channel has the figure; clear the row unless it
    changed since. ``sent`` False: nothing was sent, the channel already had the figure."""
    values: dict[str, Any] = {
        "pending": False,
        "force": False,
        "attempts": 0,
        "last_error": None,
        "pushed_quantity": bindparam("b_quantity"),
        "refused_quantity": None,
        "refused_listing": None,
    }
    if sent:
        values["pushed_at"] = now
    rows = [{"b_sku": s, "b_version": v, "b_quantity": q} for s, v, q in pushed]
    _by_version(conn, connection, rows, **values)


def record_failed(
    conn: Connection,
    connection: str,
    failed: Sequence[tuple[str, int]],
    error: str,
    *,
    keep_pending: bool,
) -> None:
    """(sku, version): the push failed. Retriable: the rows stay pending for the next try.
    Refused by the partner for this SKU: the row stops being pending until it changes."""
    values: dict[str, Any] = {"attempts": stock_sync.c.attempts + 1, "last_error": error}
    if not keep_pending:
        values.update(pending=False, force=False)
    _by_version(conn, connection, [{"b_sku": s, "b_version": v} for s, v in failed], **values)


def record_refused(
    conn: Connection,
    connection: str,
    refused: Sequence[tuple[str, int, int, str | None]],
    reason: str,
) -> None:
    """(sku, version, figure, listing id): the partner refused that figure for good. The
    row stops being pending (unless it changed since), keeps the reason as its error, and
    remembers what was refused, so that it is not sent again until it changes."""
    rows = [
        {"b_sku": s, "b_version": v, "b_quantity": q, "b_listing": listing}
        for s, v, q, listing in refused
    ]
    _by_version(
        conn,
        connection,
        rows,
        pending=False,
        force=False,
        attempts=stock_sync.c.attempts + 1,
        last_error=reason,
        refused_quantity=bindparam("b_quantity"),
        refused_listing=bindparam("b_listing"),
    )


def record_still_refused(
    conn: Connection, connection: str, rows: Sequence[tuple[str, int]]
) -> None:
    """(sku, version): the figure is the one the partner refused: not sent, the row stops
    being pending and keeps its error."""
    _by_version(conn, connection, [{"b_sku": s, "b_version": v} for s, v in rows], pending=False)


def synced_page(conn: Connection, connection: str, after: str | None, limit: int) -> list[Any]:
    """A page of the connection's rows in SKU order (for drift checks)."""
    query = (
        select(stock_sync)
        .where(stock_sync.c.connection == connection)
        .order_by(stock_sync.c.sku)
        .limit(limit)
    )
    if after is not None:
        query = query.where(stock_sync.c.sku > after)
    return list(conn.execute(query))


def mark_checked(conn: Connection, connection: str, skus: Sequence[str], *, now: datetime) -> None:
    if skus:
        conn.execute(
            update(stock_sync)
            .where(stock_sync.c.connection == connection, stock_sync.c.sku.in_(list(skus)))
            .values(checked_at=now)
        )


def record_drift(
    conn: Connection, connection: str, found: Sequence[tuple[str, int, int]], *, now: datetime
) -> None:
    """(sku, hub figure, channel figure) for each SKU the channel showed wrong."""
    if found:
        conn.execute(
            insert(stock_drift),
            [
                {
                    "at": now,
                    "connection": connection,
                    "sku": s,
                    "hub_quantity": h,
                    "channel_quantity": c,
                }
                for s, h, c in found
            ],
        )


def state(
    conn: Connection,
    *,
    connection: str | Sequence[str] | None = None,
    sku: str | Sequence[str] | None = None,
    only: str | Sequence[str] | None = None,
    after: Sequence[str] | None = None,
    limit: int = 100,
) -> list[Any]:
    """Rows of ``stock_sync`` by connection and SKU, after the key ``(connection, sku)``;
    ``only`` is pending or error (or both: either)."""
    wanted = {only} if isinstance(only, str) else set(only or ())
    states = [
        stock_sync.c.pending == true() if "pending" in wanted else None,
        stock_sync.c.last_error.is_not(None) if "error" in wanted else None,
    ]
    either = [s for s in states if s is not None]
    query = where_all(
        select(stock_sync),
        any_of(stock_sync.c.connection, connection),
        any_of(stock_sync.c.sku, sku),
        or_(*either) if either else None,
    )
    columns = [stock_sync.c.connection, stock_sync.c.sku]
    return list(conn.execute(keyset(query, columns, after, limit=limit)))


def drift(
    conn: Connection,
    *,
    connection: str | Sequence[str] | None,
    after: int | None = None,
    limit: int,
) -> list[Any]:
    """What drift checks found, newest first, before the id ``after``."""
    query = where_all(select(stock_drift), any_of(stock_drift.c.connection, connection))
    key = None if after is None else [after]
    return list(conn.execute(keyset(query, [stock_drift.c.id], key, limit=limit, descending=True)))
