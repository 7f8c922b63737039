"""Fulfilments, their lines, shipments (parcels) and orders waiting for a route.

Synchronous: every function runs inside the caller's transaction (``Database.run_write``
or a local job's claim transaction).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from hub.store.tables import (
    fulfilment_lines,
    fulfilments,
    orders,
    route_waits,
    shipment_lines,
    shipments,
)

OPEN = ("open", "sent", "accepted", "partially_shipped")  # not shipped, not ended


def insert_fulfilment(
    conn: Connection, row: dict[str, Any], lines: Sequence[dict[str, Any]]
) -> None:
    conn.execute(insert(fulfilments).values(**row))
    conn.execute(insert(fulfilment_lines), list(lines))


def get(conn: Connection, fulfilment_id: str) -> Any | None:
    return conn.execute(select(fulfilments).where(fulfilments.c.id == fulfilment_id)).first()


def lines(conn: Connection, fulfilment_id: str) -> list[Any]:
    return list(
        conn.execute(
            select(fulfilment_lines)
            .where(fulfilment_lines.c.fulfilment_id == fulfilment_id)
            .order_by(fulfilment_lines.c.position)
        )
    )


def of_order(conn: Connection, order_id: str) -> list[Any]:
    return list(
        conn.execute(
            select(fulfilments)
            .where(fulfilments.c.order_id == order_id)
            .order_by(fulfilments.c.created_at, fulfilments.c.id)
        )
    )


def find_by_reference(conn: Connection, connection: str | None, ref: str) -> Any | None:
    """The fulfilment a partner names: by the hub's id, the partner's own reference, or
    (for partners that echo the channel's order id or the hub's order number) the order."""
    row = get(conn, ref)
    if row is not None:
        return row
    query = select(fulfilments).where(fulfilments.c.partner_ref == ref)
    if connection is not None:
        query = query.where(fulfilments.c.connection == connection)
    row = conn.execute(query.limit(1)).first()
    if row is not None:
        return row
    query = (
        select(fulfilments)
        .join(orders, orders.c.id == fulfilments.c.order_id)
        .where((orders.c.external_id == ref) | (orders.c.number == ref))
        .order_by(fulfilments.c.created_at)
    )
    if connection is not None:
        query = query.where(fulfilments.c.connection == connection)
    return conn.execute(query.limit(1)).first()


def set_status(
    conn: Connection, fulfilment_id: str, status: str, *, now: datetime, **more: Any
) -> None:
    conn.execute(
        update(fulfilments)
        .where(fulfilments.c.id == fulfilment_id)
        .values(status=status, updated_at=now, **more)
    )


def set_shipped(conn: Connection, fulfilment_id: str, shipped: dict[int, int]) -> None:
    """position -> units shipped so far."""
    for position, n in shipped.items():
        conn.execute(
            update(fulfilment_lines)
            .where(
                fulfilment_lines.c.fulfilment_id == fulfilment_id,
                fulfilment_lines.c.position == position,
            )
            .values(shipped=n)
        )


def open_at(conn: Connection, location: str | None, status: str | None, limit: int) -> list[Any]:
    query = select(fulfilments).order_by(fulfilments.c.created_at, fulfilments.c.id).limit(limit)
    if location is not None:
        query = query.where(fulfilments.c.location == location)
    if status == "open":
        query = query.where(fulfilments.c.status.in_(OPEN))
    elif status is not None:
        query = query.where(fulfilments.c.status == status)
    return list(conn.execute(query))


def shipment(conn: Connection, fulfilment_id: str, parcel_key: str) -> Any | None:
    return conn.execute(
        select(shipments).where(
            shipments.c.fulfilment_id == fulfilment_id, shipments.c.parcel_key == parcel_key
        )
    ).first()


def shipment_by_id(conn: Connection, shipment_id: str) -> Any | None:
    return conn.execute(select(shipments).where(shipments.c.id == shipment_id)).first()


def insert_shipment(conn: Connection, row: dict[str, Any], parts: dict[str, int]) -> None:
    conn.execute(insert(shipments).values(**row))
    if parts:
        conn.execute(
            insert(shipment_lines),
            [{"shipment_id": row["id"], "sku": s, "quantity": q} for s, q in sorted(parts.items())],
        )


def update_shipment(conn: Connection, shipment_id: str, **values: Any) -> None:
    conn.execute(update(shipments).where(shipments.c.id == shipment_id).values(**values))


def shipments_of_order(conn: Connection, order_id: str) -> list[Any]:
    return list(
        conn.execute(
            select(shipments)
            .where(shipments.c.order_id == order_id)
            .order_by(shipments.c.shipped_at, shipments.c.id)
        )
    )


def shipments_by_tracking(conn: Connection, tracking_number: str) -> list[Any]:
    return list(
        conn.execute(select(shipments).where(shipments.c.tracking_number == tracking_number))
    )


def shipment_parts(conn: Connection, shipment_ids: Iterable[str]) -> dict[str, dict[str, int]]:
    wanted = sorted(set(shipment_ids))
    out: dict[str, dict[str, int]] = {s: {} for s in wanted}
    if wanted:
        for r in conn.execute(
            select(shipment_lines).where(shipment_lines.c.shipment_id.in_(wanted))
        ):
            out[r.shipment_id][r.sku] = r.quantity
    return out


def wait_for_route(conn: Connection, order_id: str, *, now: datetime) -> None:
    if conn.execute(
        select(route_waits.c.order_id).where(route_waits.c.order_id == order_id)
    ).first():
        return
    conn.execute(insert(route_waits).values(order_id=order_id, since=now))


def stop_waiting(conn: Connection, order_ids: Iterable[str]) -> None:
    wanted = sorted(set(order_ids))
    if wanted:
        conn.execute(delete(route_waits).where(route_waits.c.order_id.in_(wanted)))


def waiting(conn: Connection, limit: int = 1000) -> list[str]:
    rows = conn.execute(select(route_waits.c.order_id).order_by(route_waits.c.since).limit(limit))
    return list(rows.scalars())
