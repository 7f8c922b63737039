"""The SQL of returns (``returns``, ``return_lines``, ``return_receipts``).

Synchronous: every function runs inside the caller's transaction. A status is written only
through ``move``, which checks ``hub.domain.returns.TRANSITIONS``; units are received only
through ``receive_units``, whose conditional update refuses units already received (two
receipts racing: one wins, the other changes nothing).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, func, insert, or_, select, update

from hub.domain.lifecycle import TransitionRefused
from hub.domain.returns import ACTIVE, TRANSITIONS, ReturnStatus
from hub.store.catalog import existing_skus
from hub.store.complaint_tables import complaints
from hub.store.return_tables import return_lines, return_receipts, returns
from hub.store.tables import order_events, orders, stock_levels


def insert_return(conn: Connection, row: dict[str, Any], lines: Sequence[dict[str, Any]]) -> None:
    conn.execute(insert(returns).values(row))
    conn.execute(insert(return_lines), [{**ln, "return_id": row["id"]} for ln in lines])


def get(conn: Connection, return_id: str, *, lock: bool = False) -> Row[Any] | None:
    query = select(returns).where(returns.c.id == return_id)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).first()


def by_external(conn: Connection, channel: str, external_id: str) -> Row[Any] | None:
    query = select(returns).where(
        returns.c.channel == channel, returns.c.external_id == external_id
    )
    return conn.execute(query).first()


def order_by_external(conn: Connection, channel: str, external_id: str) -> str | None:
    """The id of the channel's order ``external_id`` (a channel's return names its order)."""
    query = select(orders.c.id).where(
        orders.c.channel == channel, orders.c.external_id == external_id
    )
    return conn.execute(query).scalar()


def of_order(conn: Connection, order_id: str, statuses: Collection[str]) -> list[Row[Any]]:
    """The order's returns in ``statuses``, oldest first."""
    query = (
        select(returns)
        .where(returns.c.order_id == order_id, returns.c.status.in_(list(statuses)))
        .order_by(returns.c.created_at, returns.c.id)
    )
    return list(conn.execute(query))


def lines_of(conn: Connection, return_ids: Collection[str]) -> dict[str, list[Row[Any]]]:
    out: dict[str, list[Row[Any]]] = {r: [] for r in return_ids}
    query = (
        select(return_lines)
        .where(return_lines.c.return_id.in_(list(return_ids)))
        .order_by(return_lines.c.return_id, return_lines.c.position)
    )
    for row in conn.execute(query):
        out[row.return_id].append(row)
    return out


def receipts_of(conn: Connection, return_id: str) -> list[Row[Any]]:
    query = (
        select(return_receipts)
        .where(return_receipts.c.return_id == return_id)
        .order_by(return_receipts.c.id)
    )
    return list(conn.execute(query))


def units_in_returns(conn: Connection, order_id: str) -> list[tuple[int, int]]:
    """(order line index, units) held by the order's active returns."""
    query = (
        select(return_lines.c.position, func.sum(return_lines.c.quantity))
        .join(returns, returns.c.id == return_lines.c.return_id)
        .where(returns.c.order_id == order_id, returns.c.status.in_([s.value for s in ACTIVE]))
        .group_by(return_lines.c.position)
    )
    return [(int(p), int(n)) for p, n in conn.execute(query)]


def received_of_order(conn: Connection, order_id: str) -> int:
    """Units received by every return of the order."""
    query = (
        select(func.coalesce(func.sum(return_lines.c.received), 0))
        .join(returns, returns.c.id == return_lines.c.return_id)
        .where(returns.c.order_id == order_id)
    )
    return int(conn.execute(query).scalar_one())


def refunds_on_the_way(conn: Connection, order_id: str) -> int:
    """Refunds queued for the order's channel (returns' and complaints') and not yet
    recorded as transactions."""
    query = select(func.coalesce(func.sum(returns.c.refund_amount), 0)).where(
        returns.c.order_id == order_id, returns.c.refund_state == "queued"
    )
    of_complaints = select(func.coalesce(func.sum(complaints.c.refund_amount), 0)).where(
        complaints.c.order_id == order_id, complaints.c.refund_state == "queued"
    )
    return int(conn.execute(query).scalar_one()) + int(conn.execute(of_complaints).scalar_one())


def move(
    conn: Connection, row: Row[Any], target: ReturnStatus, *, now: datetime, **values: Any
) -> None:
    """Move the return of ``row`` to ``target`` (checked against the transition table),
    setting ``values`` too; ``TransitionRefused`` when the table does not allow it, or when
    another writer moved it first."""
    current = ReturnStatus(row.status)
    if target not in TRANSITIONS[current]:
        raise TransitionRefused(current, target, what="a return", table=TRANSITIONS)
    done = conn.execute(
        update(returns)
        .where(returns.c.id == row.id, returns.c.status == current.value)
        .values(status=target.value, updated_at=now, **values)
    )
    if done.rowcount != 1:
        raise TransitionRefused(current, target, what="a return", table=TRANSITIONS)


def set_values(conn: Connection, return_id: str, *, now: datetime, **values: Any) -> None:
    conn.execute(update(returns).where(returns.c.id == return_id).values(updated_at=now, **values))


def receive_units(conn: Connection, return_id: str, position: int, units: int) -> bool:
    """Count ``units`` more received on a line, unless that would pass its quantity (False:
    nothing changed; those units were received already)."""
    line = and_(return_lines.c.return_id == return_id, return_lines.c.position == position)
    done = conn.execute(
        update(return_lines)
        .where(line, return_lines.c.received + units <= return_lines.c.quantity)
        .values(received=return_lines.c.received + units)
    )
    return done.rowcount == 1


def add_receipts(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(return_receipts), list(rows))


def page(
    conn: Connection,
    *,
    status: Collection[str] | None,
    order_id: str | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Row[Any]]:
    """Returns, oldest first, after the (created_at, id) key."""
    query = select(returns)
    if status:
        query = query.where(returns.c.status.in_(list(status)))
    if order_id is not None:
        query = query.where(returns.c.order_id == order_id)
    if after is not None:
        at, rid = after
        query = query.where(
            or_(returns.c.created_at > at, and_(returns.c.created_at == at, returns.c.id > rid))
        )
    return list(conn.execute(query.order_by(returns.c.created_at, returns.c.id).limit(limit)))


def known_skus(conn: Connection, wanted: Collection[str]) -> set[str]:
    """Those of ``wanted`` the hub knows: in the catalog, or with stock somewhere."""
    names = sorted(set(wanted))
    found = existing_skus(conn, names)
    query = select(stock_levels.c.sku).where(stock_levels.c.sku.in_(names)).distinct()
    return found | set(conn.execute(query).scalars())


def by_exchange_order(conn: Connection, order_ids: Collection[str]) -> list[Row[Any]]:
    """(order id, channel, return id, return status) of each accepted order of ``order_ids``
    made as a return's exchange."""
    query = (
        select(orders.c.id, orders.c.channel, returns.c.id.label("return_id"), returns.c.status)
        .join(returns, returns.c.exchange_order_id == orders.c.id)
        .where(orders.c.id.in_(list(order_ids)), orders.c.link_kind == "exchange")
    )
    return list(conn.execute(query))


def by_tracking(conn: Connection, tracking_number: str) -> list[Row[Any]]:
    """The returns whose return label has ``tracking_number``."""
    return list(conn.execute(select(returns).where(returns.c.label_tracking == tracking_number)))


def last_hold_reason(conn: Connection, order_id: str) -> str | None:
    """The reason of the order's latest ``hold`` timeline entry (None: none)."""
    query = (
        select(order_events.c.detail)
        .where(order_events.c.order_id == order_id, order_events.c.kind == "hold")
        .order_by(order_events.c.id.desc())
        .limit(1)
    )
    raw = conn.execute(query).scalar()
    if not raw:
        return None
    found = json.loads(raw) if isinstance(raw, str | bytes) else raw
    return found.get("reason") if isinstance(found, dict) else None
