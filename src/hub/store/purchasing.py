"""Purchase orders and their lines (synchronous: run in ``run_write`` or ``run_sync``).

A purchase order is ``open`` until every line is received (``received``) or it is closed
with units still missing (``closed``); only an open one counts as on order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from hub.store.planning_tables import purchase_order_lines, purchase_orders

OPEN, RECEIVED, CLOSED = "open", "received", "closed"


def insert_order(
    conn: Connection, row: Mapping[str, Any], lines: Sequence[tuple[str, int]]
) -> None:
    conn.execute(insert(purchase_orders).values(**row))
    conn.execute(
        insert(purchase_order_lines),
        [
            {
                "purchase_order_id": row["id"],
                "position": i,
                "sku": sku,
                "quantity": q,
                "received": 0,
            }
            for i, (sku, q) in enumerate(lines)
        ],
    )


def get(conn: Connection, po_id: str, *, lock: bool = False) -> Any | None:
    query = select(purchase_orders).where(purchase_orders.c.id == po_id)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).first()


def lines_of(conn: Connection, ids: Sequence[str]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = conn.execute(
        select(purchase_order_lines)
        .where(purchase_order_lines.c.purchase_order_id.in_(list(ids)))
        .order_by(purchase_order_lines.c.purchase_order_id, purchase_order_lines.c.position)
    )
    for r in rows:
        out[r.purchase_order_id].append(r)
    return out


def set_received(conn: Connection, po_id: str, received: Mapping[int, int]) -> None:
    """Set the received units of lines (position -> units)."""
    for position, units in sorted(received.items()):
        conn.execute(
            update(purchase_order_lines)
            .where(
                purchase_order_lines.c.purchase_order_id == po_id,
                purchase_order_lines.c.position == position,
            )
            .values(received=units)
        )


def set_status(conn: Connection, po_id: str, status: str, *, now: datetime) -> None:
    conn.execute(
        update(purchase_orders)
        .where(purchase_orders.c.id == po_id)
        .values(status=status, updated_at=now)
    )


def page(
    conn: Connection,
    *,
    status: str | None,
    supplier: str | None,
    location: str | None,
    before_id: str | None,
    limit: int,
) -> list[Any]:
    """Newest first; ``before_id`` is the cursor (the last id of the previous page)."""
    query = select(purchase_orders).order_by(purchase_orders.c.id.desc()).limit(limit)
    if status is not None:
        query = query.where(purchase_orders.c.status == status)
    if supplier is not None:
        query = query.where(purchase_orders.c.supplier == supplier)
    if location is not None:
        query = query.where(purchase_orders.c.location == location)
    if before_id is not None:
        query = query.where(purchase_orders.c.id < before_id)
    return list(conn.execute(query))
