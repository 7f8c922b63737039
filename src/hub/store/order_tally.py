"""Tallies of the orders, kept as the order store writes: orders per channel and status
(``order_counts``) and orders placed per channel and hour (``order_hours``). The console's
Today page reads them instead of counting the orders table.

The order store calls ``count_new`` as it inserts orders, ``count_moves`` with the orders a
status change moved (the UPDATE's RETURNING, so only rows that really moved count) and
``count_replaced`` when a channel's new version moves the placed time: in the same
transaction, so a tally commits or rolls back with its change. Cells are upserted in key
order (two writers take the rows in the same order), and on PostgreSQL into one of
``SLOTS`` slots picked at random per call: a cell is the sum of its slots, so concurrent
transactions (intake, the worker's moves) seldom wait for the same row until the other
commits. ``recount`` rebuilds both from the orders (the benchmark's bulk fill, a repair),
``counted``/``recounted`` compare them.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.store.tables import orders
from hub.store.tally_tables import order_counts, order_hours

SLOTS = 16


def hour_of(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _add(conn: Connection, table: Table, key: str, cells: Counter[tuple[Any, Any]]) -> None:
    pg = conn.dialect.name == "postgresql"
    slot = random.randrange(SLOTS) if pg else 0  # SQLite has one writer: one slot
    rows = [
        {"channel": c, key: k, "slot": slot, "n": n} for (c, k), n in sorted(cells.items()) if n
    ]
    if not rows:
        return
    ins = (pg_insert if pg else sqlite_insert)(table)
    stmt = ins.on_conflict_do_update(
        index_elements=["channel", key, "slot"], set_={"n": table.c.n + ins.excluded.n}
    )
    conn.execute(stmt, rows)


def count_new(conn: Connection, rows: Iterable[dict[str, Any]]) -> None:
    """New orders (their table rows): one more in their status, and in their placed hour."""
    statuses: Counter[tuple[Any, Any]] = Counter()
    hours: Counter[tuple[Any, Any]] = Counter()
    for row in rows:
        statuses[(row["channel"], row["status"])] += 1
        hours[(row["channel"], hour_of(row["placed_at"]))] += 1
    _add(conn, order_counts, "status", statuses)
    _add(conn, order_hours, "hour", hours)


def count_moves(
    conn: Connection, channels: Sequence[str], from_status: str, to_status: str
) -> None:
    """Orders of ``channels`` (one entry per order) moved from one status to another."""
    cells: Counter[tuple[Any, Any]] = Counter()
    for channel in channels:
        cells[(channel, from_status)] -= 1
        cells[(channel, to_status)] += 1
    _add(conn, order_counts, "status", cells)


def count_replaced(conn: Connection, channel: str, was: datetime, now: datetime) -> None:
    """An order's placed time changed from ``was`` to ``now``."""
    if hour_of(was) != hour_of(now):
        cells = Counter({(channel, hour_of(was)): -1, (channel, hour_of(now)): 1})
        _add(conn, order_hours, "hour", cells)


async def status_counts(conn: AsyncConnection, channels: Sequence[str] | None) -> dict[str, int]:
    """Orders per status (of ``channels``; None: every channel); statuses with none left out."""
    query = select(order_counts.c.status, func.sum(order_counts.c.n)).group_by(
        order_counts.c.status
    )
    if channels is not None:
        query = query.where(order_counts.c.channel.in_(channels))
    return {r[0]: int(r[1]) for r in await conn.execute(query) if r[1]}


async def placed_hours(conn: AsyncConnection, since: datetime) -> list[tuple[str, datetime, int]]:
    """(channel, hour, orders placed in it) of every hour from ``since`` (an hour's start)."""
    h = order_hours.c
    query = (
        select(h.channel, h.hour, func.sum(h.n)).where(h.hour >= since).group_by(h.channel, h.hour)
    )
    return [(r[0], r[1], int(r[2])) for r in await conn.execute(query) if r[2]]


def _hours_of_orders(conn: Connection) -> Counter[tuple[Any, Any]]:
    found: Counter[tuple[Any, Any]] = Counter()
    query = select(orders.c.channel, orders.c.placed_at)
    for channel, at in conn.execute(query.execution_options(yield_per=10_000)):
        found[(channel, hour_of(at))] += 1
    return found


def recounted(conn: Connection) -> tuple[dict[tuple[str, str], int], dict[tuple[str, Any], int]]:
    """Both tallies as counted from the orders now: (channel, status) and (channel, hour)."""
    query = select(orders.c.channel, orders.c.status, func.count()).group_by(
        orders.c.channel, orders.c.status
    )
    statuses = {(r[0], r[1]): int(r[2]) for r in conn.execute(query)}
    return statuses, dict(_hours_of_orders(conn))


def counted(conn: Connection) -> tuple[dict[tuple[str, str], int], dict[tuple[str, Any], int]]:
    """Both tallies as kept (cells at zero left out), in ``recounted``'s shape."""
    c, h = order_counts.c, order_hours.c
    by_status = select(c.channel, c.status, func.sum(c.n)).group_by(c.channel, c.status)
    by_hour = select(h.channel, h.hour, func.sum(h.n)).group_by(h.channel, h.hour)
    statuses = {(r[0], r[1]): int(r[2]) for r in conn.execute(by_status) if r[2]}
    hours = {(r[0], r[1]): int(r[2]) for r in conn.execute(by_hour) if r[2]}
    return statuses, hours


def recount(conn: Connection) -> None:
    """Rebuild both tallies from the orders (after a bulk load that bypassed the store)."""
    conn.execute(delete(order_counts))
    conn.execute(delete(order_hours))
    statuses, hours = recounted(conn)
    _add(conn, order_counts, "status", Counter(statuses))
    _add(conn, order_hours, "hour", Counter(hours))
