"""What routing reads and keeps: the locations it routes to, the stock it may simulate
with, past orders to replay, and the orders waiting for stock (``route_waits``: held at
acceptance for a shortfall, or at routing for want of a route).

Synchronous: every function runs inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, and_, delete, insert, or_, select

from hub.domain.lifecycle import OrderStatus
from hub.domain.order import Order
from hub.domain.routing import Site
from hub.store.orders import to_order
from hub.store.tables import locations, order_lines, orders, route_waits, stock_levels


def sites(conn: Connection) -> tuple[list[Site], dict[str, str | None]]:
    """Every location as a routing site (by priority, then code), and the connection that
    serves each (None: the merchant's own warehouse)."""
    rows = list(conn.execute(select(locations).order_by(locations.c.priority, locations.c.code)))
    found = [Site(r.code, r.priority, r.kind, r.country, r.region) for r in rows]
    return found, {r.code: r.connection for r in rows}


def location(conn: Connection, code: str) -> Any:
    return conn.execute(select(locations).where(locations.c.code == code)).one()


def location_of_connection(conn: Connection, connection: str | None) -> str | None:
    """The first location (by priority) whose ``connection`` is ``connection``."""
    row = conn.execute(
        select(locations.c.code)
        .where(locations.c.connection == connection)
        .order_by(locations.c.priority, locations.c.code)
    ).first()
    return row.code if row is not None else None


def on_hand(conn: Connection) -> dict[tuple[str, str], int]:
    """Units on hand per (sku, location), never below 0."""
    rows = conn.execute(select(stock_levels.c.sku, stock_levels.c.location, stock_levels.c.on_hand))
    return {(r.sku, r.location): max(r.on_hand, 0) for r in rows}


def placed_page(
    conn: Connection,
    since: datetime,
    until: datetime | None,
    after: tuple[datetime, str] | None,
    *,
    include_cancelled: bool,
    limit: int,
) -> list[tuple[datetime, Order]]:
    """Orders placed in ``[since, until)`` in (placed_at, id) order after ``after``."""
    query = select(orders).where(orders.c.placed_at >= since)
    if until is not None:
        query = query.where(orders.c.placed_at < until)
    if not include_cancelled:
        query = query.where(orders.c.status != OrderStatus.CANCELLED.value)
    if after is not None:
        query = query.where(
            or_(
                orders.c.placed_at > after[0],
                and_(orders.c.placed_at == after[0], orders.c.id > after[1]),
            )
        )
    rows = conn.execute(query.order_by(orders.c.placed_at, orders.c.id).limit(limit))
    return [(r.placed_at, to_order(r)) for r in rows]


def wait_for_stock(conn: Connection, order_ids: Iterable[str], *, now: datetime) -> None:
    """The orders, on hold, wait for stock to retry them (one already waiting keeps its time).
    What a retry does follows the status each was held from (``orders.held_from``)."""
    wanted = sorted(set(order_ids))
    if not wanted:
        return
    known = set(
        conn.execute(
            select(route_waits.c.order_id).where(route_waits.c.order_id.in_(wanted))
        ).scalars()
    )
    new = [{"order_id": oid, "since": now} for oid in wanted if oid not in known]
    if new:
        conn.execute(insert(route_waits), new)


def stop_waiting(conn: Connection, order_ids: Iterable[str]) -> None:
    wanted = sorted(set(order_ids))
    if wanted:
        conn.execute(delete(route_waits).where(route_waits.c.order_id.in_(wanted)))


def any_waiting(conn: Connection) -> bool:
    """Whether any order waits for stock (one cheap read: the common answer is no)."""
    return conn.execute(select(route_waits.c.order_id).limit(1)).first() is not None


class Waiting(NamedTuple):
    order_id: str
    held_from: str | None


def waiting_for(conn: Connection, line_skus: Iterable[str]) -> list[Waiting]:
    """The waiting orders, still on hold, with a line of one of ``line_skus``: oldest
    first (placed_at, then received_at, then id).

    Read from the orders on hold and their waits (each one's lines by its key), matched here:
    a filter on the line SKU would let the database walk every line ever sold of a busy
    SKU, once per waiting order (SQLite does)."""
    wanted = set(line_skus)
    rows = conn.execute(
        select(
            orders.c.id,
            orders.c.held_from,
            orders.c.placed_at,
            orders.c.received_at,
            order_lines.c.sku,
        )
        .select_from(route_waits)
        .join(orders, orders.c.id == route_waits.c.order_id)
        .join(order_lines, order_lines.c.order_id == route_waits.c.order_id)
        .where(orders.c.status == OrderStatus.ON_HOLD.value)
    )
    found = {r.id: r for r in rows if r.sku in wanted}
    ordered = sorted(found.values(), key=lambda r: (r.placed_at, r.received_at, r.id))
    return [Waiting(r.id, r.held_from) for r in ordered]
