"""What the operator console reads beyond the other stores' queries: the orders of the last
day by hour, counts by status, the work queue (held, flagged, late) and each connection's
last signs of life. Every query is served by an index (see ``tables`` and migration 0017);
none counts the orders table (the counts by status and hour are ``order_tally``'s).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

import msgspec
from sqlalchemy import func, select, true, union_all
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.store.console_tables import console_secrets
from hub.store.partner_tables import rate_buckets
from hub.store.tables import (
    fulfilments,
    inbound_messages,
    order_events,
    orders,
    poll_cursors,
    stock_drift,
    stock_movements,
    stock_sync,
)

OPEN_FULFILMENTS = ("open", "accepted", "partially_shipped")


_SHORT = (orders.c.id, orders.c.number, orders.c.channel, orders.c.status)


async def held(
    conn: AsyncConnection, channels: Sequence[str] | None, limit: int
) -> list[dict[str, Any]]:
    """Orders on hold, newest first, each with why: the payment it waits for, or the
    reason noted when it was put on hold."""
    query = select(*_SHORT, orders.c.placed_at, orders.c.awaiting_payment).where(
        orders.c.status == "on_hold"
    )
    if channels is not None:
        query = query.where(orders.c.channel.in_(channels))
    query = query.order_by(orders.c.placed_at.desc(), orders.c.id.desc()).limit(limit)
    rows = [dict(r._mapping) for r in await conn.execute(query)]
    reasons = await _hold_reasons(conn, [r["id"] for r in rows])
    for row in rows:
        waits = row.pop("awaiting_payment")
        row["why"] = f"waits until {waits}" if waits else reasons.get(row["id"], "put on hold")
    return rows


async def _hold_reasons(conn: AsyncConnection, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    query = (
        select(order_events.c.order_id, order_events.c.kind, order_events.c.detail)
        .where(order_events.c.order_id.in_(ids), order_events.c.to_status == "on_hold")
        .order_by(order_events.c.order_id, order_events.c.id)
    )
    found: dict[str, str] = {}
    for order_id, kind, detail in await conn.execute(query):
        reason = msgspec.json.decode(detail).get("reason") if detail else None
        found[order_id] = str(reason) if reason else f"{kind} put it on hold"
    return found


async def flagged(
    conn: AsyncConnection, channels: Sequence[str] | None, limit: int
) -> list[dict[str, Any]]:
    """Orders flagged for attention, most recently changed first."""
    query = select(*_SHORT, orders.c.attention, orders.c.updated_at).where(
        orders.c.attention.is_not(None)
    )
    if channels is not None:
        query = query.where(orders.c.channel.in_(channels))
    query = query.order_by(orders.c.updated_at.desc()).limit(limit)
    return [dict(r._mapping) for r in await conn.execute(query)]


def _oldest_open(channels: Sequence[str] | None, limit: int) -> Any:
    """The open fulfilments to look at: every channel's ``limit`` oldest, each status's
    taken in order from the (status, created_at) index; a channel key's, all of them."""
    columns = (
        fulfilments.c.id.label("fulfilment_id"),
        fulfilments.c.order_id,
        fulfilments.c.location,
        fulfilments.c.status.label("fulfilment_status"),
        fulfilments.c.created_at,
    )
    if channels is not None:
        mine = select(orders.c.id).where(orders.c.channel.in_(channels))
        where = fulfilments.c.status.in_(OPEN_FULFILMENTS), fulfilments.c.order_id.in_(mine)
        return select(*columns).where(*where)
    each = [
        select(*columns)
        .where(fulfilments.c.status == status)
        .order_by(fulfilments.c.created_at)
        .limit(limit)
        .subquery()
        for status in OPEN_FULFILMENTS
    ]
    return union_all(*(select(*part.c) for part in each))


async def open_fulfilments(
    conn: AsyncConnection, channels: Sequence[str] | None, limit: int
) -> list[dict[str, Any]]:
    """Fulfilments not shipped yet, oldest first, with their order's stored document (the
    caller reads ``ship_by`` from it). Every channel: the ``limit`` oldest are taken from
    the status index first, then joined to their orders (not every open one)."""
    query = _late_query(None if channels is None else tuple(channels), limit)
    return [dict(r._mapping) for r in await conn.execute(query)]


@lru_cache(maxsize=64)
def _late_query(channels: tuple[str, ...] | None, limit: int) -> Any:
    """Built once per (channels, limit): a union of subqueries costs ms to build."""
    part = _oldest_open(channels, limit).subquery()
    return (
        select(
            part.c.fulfilment_id,
            part.c.location,
            part.c.fulfilment_status,
            part.c.created_at,
            *_SHORT,
            orders.c.doc,
        )
        .join(orders, orders.c.id == part.c.order_id)
        .order_by(part.c.created_at)
        .limit(limit)
    )


async def drift_since(conn: AsyncConnection, since: datetime) -> dict[str, int]:
    """connection -> figures found drifted since ``since``."""
    query = (
        select(stock_drift.c.connection, func.count())
        .where(stock_drift.c.at >= since)
        .group_by(stock_drift.c.connection)
    )
    return {r[0]: int(r[1]) for r in await conn.execute(query)}


async def last_signs(conn: AsyncConnection, code: str) -> dict[str, Any]:
    """One connection's last poll, last webhook, last stock push, pending sync rows, last
    push error, and its rate-limit buckets."""
    polled = await conn.scalar(
        select(func.max(poll_cursors.c.polled_at)).where(poll_cursors.c.connection == code)
    )
    webhook = await conn.scalar(
        select(func.max(inbound_messages.c.received_at)).where(
            inbound_messages.c.connection == code, inbound_messages.c.source == "webhook"
        )
    )
    pushed = await conn.scalar(
        select(func.max(stock_sync.c.pushed_at)).where(stock_sync.c.connection == code)
    )
    pending = await conn.scalar(
        select(func.count()).where(stock_sync.c.connection == code, stock_sync.c.pending == true())
    )
    error = await conn.scalar(
        select(stock_sync.c.last_error)
        .where(stock_sync.c.connection == code, stock_sync.c.last_error.is_not(None))
        .order_by(stock_sync.c.changed_at.desc())
        .limit(1)
    )
    buckets = await conn.execute(
        select(rate_buckets.c.key, rate_buckets.c.tokens).where(
            (rate_buckets.c.key == code) | rate_buckets.c.key.like(f"{code}:%")
        )
    )
    return {
        "polled_at": polled,
        "webhook_at": webhook,
        "pushed_at": pushed,
        "pending": int(pending or 0),
        "push_error": error,
        "buckets": [(r[0], float(r[1])) for r in buckets],
    }


async def secret(conn: AsyncConnection, name: str) -> str | None:
    query = select(console_secrets.c.value).where(console_secrets.c.name == name)
    value: str | None = await conn.scalar(query)
    return value


async def keep_secret(conn: AsyncConnection, name: str, value: str, now: datetime) -> None:
    """Store ``value`` unless a secret of that name exists already (another process won)."""
    if await secret(conn, name) is None:
        await conn.execute(console_secrets.insert().values(name=name, value=value, created_at=now))


async def movements(conn: AsyncConnection, sku: str, limit: int) -> list[Any]:
    """A SKU's newest stock movements at every location, newest first."""
    query = (
        select(stock_movements)
        .where(stock_movements.c.sku == sku)
        .order_by(stock_movements.c.id.desc())
        .limit(limit)
    )
    return list(await conn.execute(query))
