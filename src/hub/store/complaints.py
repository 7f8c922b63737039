"""Complaints and their lines (``complaints``, ``complaint_lines``), and what the complaint
figures join them to: each complained-about order's parcels (``store/shipped`` holds the
units shipped).

Synchronous: every function runs inside the caller's transaction. Whoever changes a
complaint locks its row first (``lock``), and a status the table forbids is refused here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, insert, or_, select, text, update

from hub.domain.complaint_stats import Complained, Parcel
from hub.domain.complaints import TRANSITIONS, ComplaintLine, ComplaintStatus
from hub.domain.lifecycle import TransitionRefused
from hub.store.tables import (
    complaint_lines,
    complaints,
    fulfilment_lines,
    fulfilments,
    order_lines,
    orders,
    shipment_lines,
    shipments,
)


@dataclass(frozen=True, slots=True)
class ComplaintFilter:
    """What ``GET /complaints`` narrows to (None: no narrowing)."""

    channels: Sequence[str] | None = None
    statuses: Sequence[str] | None = None
    kinds: Sequence[str] | None = None
    order_id: str | None = None
    overdue_at: datetime | None = None  # pending and due at or before this time


def find_order(conn: Connection, asked: str) -> Row[Any] | None:
    """The order by its id or its number (H-100002)."""
    query = select(orders).where(or_(orders.c.id == asked, orders.c.number == asked))
    return conn.execute(query).first()


def insert_one(conn: Connection, row: dict[str, Any], lines: Sequence[ComplaintLine]) -> None:
    conn.execute(insert(complaints), [row])
    if lines:
        conn.execute(
            insert(complaint_lines),
            [{"complaint_id": row["id"], "position": i, "sku": ln.sku, "quantity": ln.quantity}
             for i, ln in enumerate(lines)],
        )  # fmt: skip


def get(conn: Connection, complaint_id: str) -> Row[Any] | None:
    return conn.execute(select(complaints).where(complaints.c.id == complaint_id)).first()


def lock(conn: Connection, complaint_id: str) -> Row[Any] | None:
    """The complaint's row, locked until the transaction ends on PostgreSQL."""
    query = select(complaints).where(complaints.c.id == complaint_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).first()


def lines_of(conn: Connection, ids: Sequence[str]) -> dict[str, list[ComplaintLine]]:
    out: dict[str, list[ComplaintLine]] = {i: [] for i in ids}
    if not ids:
        return out
    c = complaint_lines.c
    query = select(c.complaint_id, c.sku, c.quantity).where(c.complaint_id.in_(list(ids)))
    for r in conn.execute(query.order_by(c.complaint_id, c.position)):
        out[r.complaint_id].append(ComplaintLine(sku=r.sku, quantity=r.quantity))
    return out


def move(conn: Connection, row: Row[Any], target: ComplaintStatus, values: dict[str, Any]) -> None:
    """Move the (locked) complaint of ``row`` to ``target`` with ``values``; a move the
    table forbids raises ``TransitionRefused`` and writes nothing."""
    current = ComplaintStatus(row.status)
    if target not in TRANSITIONS[current]:
        raise TransitionRefused(current, target, what="a complaint", table=TRANSITIONS)
    conn.execute(
        update(complaints).where(complaints.c.id == row.id).values(status=target, **values)
    )


def list_page(
    conn: Connection, found: ComplaintFilter, after: tuple[datetime, str] | None, limit: int
) -> list[Row[Any]]:
    """Newest first, ``limit`` rows after the (created_at, id) key ``after``."""
    c = complaints.c
    query = select(complaints)
    if found.channels is not None:
        query = query.where(c.channel.in_(list(found.channels)))
    if found.statuses:
        query = query.where(c.status.in_(list(found.statuses)))
    if found.kinds:
        query = query.where(c.kind.in_(list(found.kinds)))
    if found.order_id is not None:
        query = query.where(c.order_id == found.order_id)
    if found.overdue_at is not None:
        query = query.where(c.status.in_(["open", "answered"]), c.due_at <= found.overdue_at)
    if after is not None:
        at, last = after
        query = query.where(or_(c.created_at < at, and_(c.created_at == at, c.id < last)))
    query = query.order_by(c.created_at.desc(), c.id.desc()).limit(limit)
    return list(conn.execute(query))


def favour_index_lookups(conn: Connection) -> None:
    """For the rest of the caller's transaction on PostgreSQL, price a random page read
    nearer a cached one (``random_page_cost`` 1.5 instead of 4: the figures' tables are hot).

    The complaint figures look up the lines, fulfilments and parcels of the orders complained
    about in the window among hundreds of thousands. At the default cost the planner reads
    each of those tables whole (hash semi-joins) even for the 30-day window's thousand
    orders, where probing the ``order_id`` indexes is several times quicker; at 1.5 it still
    reads them whole for a window of several thousand, where that is the quicker plan
    (``bench/complaints.py``, README "Benchmarks"). ``SET LOCAL`` ends with the transaction.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL random_page_cost = 1.5"))


def complained(conn: Connection, since: datetime) -> list[Complained]:
    """The complaints opened since ``since``, each with what its order shipped. Every read
    selects by the complaints of the window in SQL (a semi-join through the indexes on
    ``order_id``), so none sends thousands of ids back and forth."""
    c = complaints.c
    found = list(conn.execute(select(c.id, c.order_id, c.kind).where(c.created_at >= since)))
    of_window = select(c.order_id).where(c.created_at >= since)
    cl = complaint_lines.c
    named = _pairs(
        conn,
        select(cl.complaint_id, cl.sku).join(complaints, c.id == cl.complaint_id),
        c.created_at >= since,
    )
    order_skus = _pairs(
        conn,
        select(order_lines.c.order_id, order_lines.c.sku),
        order_lines.c.order_id.in_(of_window),
    )
    parcels = _parcels_of(conn, of_window)
    return [
        Complained(
            kind=r.kind,
            skus=frozenset(named.get(r.id, ())),
            parcels=tuple(parcels.get(r.order_id, ())),
            order_skus=frozenset(order_skus.get(r.order_id, ())),
        )
        for r in found
    ]


def _pairs(conn: Connection, query: Any, where: Any) -> dict[str, set[str]]:
    """(owner, SKU) rows as owner -> SKUs."""
    out: dict[str, set[str]] = {}
    for owner, sku in conn.execute(query.where(where)):
        out.setdefault(owner, set()).add(sku)
    return out


def _parcels_of(conn: Connection, orders_of: Any) -> dict[str, list[Parcel]]:
    """The parcels of the orders ``orders_of`` selects (carrier, location, SKUs); an order
    with none: its fulfilments that were not cancelled."""
    f, s, sl, fl = fulfilments.c, shipments.c, shipment_lines.c, fulfilment_lines.c
    found = {r.id: r for r in conn.execute(
        select(f.id, f.order_id, f.location, f.carrier, f.status).where(f.order_id.in_(orders_of))
    )}  # fmt: skip
    parcels = list(
        conn.execute(
            select(s.id, s.order_id, s.carrier, s.fulfilment_id).where(s.order_id.in_(orders_of))
        )
    )
    skus = _pairs(conn, select(sl.shipment_id, sl.sku).join(shipments, s.id == sl.shipment_id),
                  s.order_id.in_(orders_of))  # fmt: skip
    out: dict[str, list[Parcel]] = {}
    for p in sorted(parcels, key=lambda p: p.id):
        ful = found.get(p.fulfilment_id)
        carrier = p.carrier or (ful.carrier if ful else None)
        parcel = Parcel(carrier, ful.location if ful else None, frozenset(skus.get(p.id, ())))
        out.setdefault(p.order_id, []).append(parcel)
    waiting = [r for r in found.values() if r.order_id not in out and r.status != "cancelled"]
    if waiting:
        ids = [r.id for r in waiting]
        skus = _pairs(conn, select(fl.fulfilment_id, fl.sku), fl.fulfilment_id.in_(ids))
    for r in sorted(waiting, key=lambda r: r.id):
        parcel = Parcel(r.carrier, r.location, frozenset(skus.get(r.id, ())))
        out.setdefault(r.order_id, []).append(parcel)
    return out


def set_refund(conn: Connection, complaint_id: str, **values: Any) -> None:
    """The complaint refund's ``refund_state``, ``refund_amount``, ``refund_reference``."""
    conn.execute(update(complaints).where(complaints.c.id == complaint_id).values(**values))
