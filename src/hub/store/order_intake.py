"""The order writer's lookups: order numbers drawn in bulk, and stored orders by natural key."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Row, select, text, update

from hub.store.tables import counters, orders


def allocate_numbers(conn: Connection, count: int) -> list[int]:
    """Reserve ``count`` order numbers, ascending.

    PostgreSQL draws them from a sequence (no lock between concurrent writers; a rollback
    leaves a gap). SQLite, with one writer at a time, bumps the counter row and gets a
    consecutive run.
    """
    if conn.dialect.name == "postgresql":
        result = conn.execute(
            text("SELECT nextval('order_number_seq') FROM generate_series(1, :n)"), {"n": count}
        )
        return sorted(result.scalars())
    result = conn.execute(
        update(counters)
        .where(counters.c.name == "order_number")
        .values(value=counters.c.value + count)
        .returning(counters.c.value)
    )
    last = result.scalar_one()
    return list(range(last - count + 1, last + 1))


def find_by_natural_keys(
    conn: Connection, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], Row[Any]]:
    """Stored orders for (channel, external_id) pairs; full rows, fetched only for the hits.

    Two plain IN lists rather than a row-value IN: SQLite answers a row-value IN with a
    full table scan, while ``channel IN (..) AND external_id IN (..)`` walks the unique index.
    """
    wanted = set(keys)
    if not wanted:
        return {}
    probe = conn.execute(
        select(orders.c.id, orders.c.channel, orders.c.external_id).where(
            orders.c.channel.in_({c for c, _ in wanted}),
            orders.c.external_id.in_({e for _, e in wanted}),
        )
    )
    hits = [r.id for r in probe if (r.channel, r.external_id) in wanted]
    if not hits:
        return {}
    rows = conn.execute(select(orders).where(orders.c.id.in_(hits)))
    return {(r.channel, r.external_id): r for r in rows}
