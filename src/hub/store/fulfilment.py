"""Fulfilments, their lines and shipments (parcels).

Synchronous: every function runs inside the caller's transaction (``Database.run_write``
or a local job's claim transaction). A status changes only through ``move`` (fulfilments)
and ``update_shipment`` (parcels), which check the tables in ``hub.domain.fulfilment``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from hub.domain.fulfilment import (
    STILL_OPEN,
    FulfilmentStatus,
    ParcelStatus,
    require_fulfilment_move,
    require_parcel_move,
)
from hub.store.paging import any_of, keyset, where_all
from hub.store.tables import fulfilment_lines, fulfilments, orders, shipment_lines, shipments


def insert_fulfilments(
    conn: Connection, rows: Sequence[dict[str, Any]], lines: Sequence[dict[str, Any]]
) -> None:
    if rows:
        conn.execute(insert(fulfilments), list(rows))
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


def move(
    conn: Connection,
    fulfilment_id: str,
    *,
    from_status: str,
    to_status: str,
    now: datetime,
    **more: Any,
) -> bool:
    """Move the fulfilment if it is still ``from_status`` (``more``: other columns to set);
    False when it is not. A move the table forbids raises ``TransitionRefused``."""
    require_fulfilment_move(FulfilmentStatus(from_status), FulfilmentStatus(to_status))
    result = conn.execute(
        update(fulfilments)
        .where(fulfilments.c.id == fulfilment_id, fulfilments.c.status == from_status)
        .values(status=to_status, updated_at=now, **more)
    )
    return bool(result.rowcount)


def set_label(conn: Connection, fulfilment_id: str, *, now: datetime, **label: Any) -> None:
    """Keep a bought label with the fulfilment (its status does not change)."""
    conn.execute(
        update(fulfilments).where(fulfilments.c.id == fulfilment_id).values(updated_at=now, **label)
    )


def lines_of(conn: Connection, fulfilment_ids: Iterable[str]) -> dict[str, list[Any]]:
    """Each fulfilment's lines by position, in one query."""
    wanted = sorted(set(fulfilment_ids))
    out: dict[str, list[Any]] = {f: [] for f in wanted}
    if wanted:
        rows = conn.execute(
            select(fulfilment_lines)
            .where(fulfilment_lines.c.fulfilment_id.in_(wanted))
            .order_by(fulfilment_lines.c.fulfilment_id, fulfilment_lines.c.position)
        )
        for r in rows:
            out[r.fulfilment_id].append(r)
    return out


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


def open_at(
    conn: Connection,
    location: str | Sequence[str] | None,
    status: str | Sequence[str] | None,
    limit: int,
    after: Sequence[Any] | None = None,
    channels: Collection[str] | None = None,
) -> list[Any]:
    """Fulfilments oldest first after the key ``(created_at, id)``; a list means any of
    its values, and the status ``open`` stands for every status still open (work to do).
    ``channels``: only fulfilments of those channels' orders (None: all)."""
    wanted = [status] if isinstance(status, str) else status
    if wanted is not None and "open" in wanted:
        wanted = sorted((set(wanted) - {"open"}) | STILL_OPEN)
    c = fulfilments.c
    query = where_all(select(fulfilments), any_of(c.location, location), any_of(c.status, wanted))
    if channels is not None:
        query = query.join(orders, orders.c.id == c.order_id).where(
            orders.c.channel.in_(sorted(channels))
        )
    return list(conn.execute(keyset(query, [c.created_at, c.id], after, limit=limit)))


def open_released_before(
    conn: Connection,
    location: str,
    before: datetime,
    channels: Collection[str] | None,
    limit: int,
) -> list[Any]:
    """The open fulfilments of ``location`` released (written by routing) before ``before``,
    oldest first, at most ``limit``; ``channels``: only those channels' orders' (None: all)."""
    c = fulfilments.c
    query = select(fulfilments).where(
        c.location == location, c.status.in_(sorted(STILL_OPEN)), c.created_at < before
    )
    if channels is not None:
        query = query.join(orders, orders.c.id == c.order_id).where(
            orders.c.channel.in_(sorted(channels))
        )
    return list(conn.execute(query.order_by(c.created_at, c.id).limit(limit)))


def visible(conn: Connection, fulfilment_id: str, channels: Collection[str] | None) -> Any | None:
    """The fulfilment, when it exists and its order's channel is one of ``channels`` (None:
    any channel)."""
    query = select(fulfilments).where(fulfilments.c.id == fulfilment_id)
    if channels is not None:
        query = query.join(orders, orders.c.id == fulfilments.c.order_id).where(
            orders.c.channel.in_(sorted(channels))
        )
    return conn.execute(query).first()


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


def update_shipment(conn: Connection, shipment_id: str, *, from_status: str, **values: Any) -> bool:
    """Change a parcel that is still ``from_status``; False when it is not. A new
    ``status`` the parcel table forbids raises ``TransitionRefused``."""
    to_status = values.get("status", from_status)
    if to_status != from_status:
        require_parcel_move(ParcelStatus(from_status), ParcelStatus(to_status))
    result = conn.execute(
        update(shipments)
        .where(shipments.c.id == shipment_id, shipments.c.status == from_status)
        .values(**values)
    )
    return bool(result.rowcount)


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
