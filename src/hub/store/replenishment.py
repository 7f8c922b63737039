"""Replenishment inputs: suppliers with their defaults, settings per SKU and location, and
the figures a reorder suggestion needs (synchronous: run in ``run_write`` or ``run_sync``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from hub.store.planning_tables import (
    purchase_order_lines,
    purchase_orders,
    replenishment_settings,
    suppliers,
)
from hub.store.tables import stock_levels

Key = tuple[str, str]  # (sku, location)
SETTING_FIELDS = ("supplier", "lead_time_days", "review_period_days", "service_level")


def _insert(conn: Connection) -> Any:
    return pg_insert if conn.dialect.name == "postgresql" else sqlite_insert


def put_supplier(conn: Connection, values: Mapping[str, Any]) -> None:
    ins = _insert(conn)(suppliers).values(**values)
    conn.execute(
        ins.on_conflict_do_update(
            index_elements=["code"], set_={k: v for k, v in values.items() if k != "code"}
        )
    )


def all_suppliers(conn: Connection) -> dict[str, Any]:
    return {r.code: r for r in conn.execute(select(suppliers).order_by(suppliers.c.code))}


def put_settings(conn: Connection, rows: Sequence[Mapping[str, Any]], *, now: datetime) -> None:
    """Create or replace the settings of each (sku, location) in ``rows``."""
    for row in rows:
        ins = _insert(conn)(replenishment_settings).values(**row, updated_at=now)
        conn.execute(
            ins.on_conflict_do_update(
                index_elements=["sku", "location"],
                set_={**{f: row.get(f) for f in SETTING_FIELDS}, "updated_at": now},
            )
        )


def settings_of(conn: Connection, skus: Sequence[str] | None = None) -> dict[Key, Any]:
    query = select(replenishment_settings)
    if skus is not None:
        query = query.where(replenishment_settings.c.sku.in_(list(skus)))
    return {(r.sku, r.location): r for r in conn.execute(query)}


def levels(conn: Connection, location: str | None = None) -> dict[Key, tuple[int, int]]:
    """(sku, location) -> (on hand, reserved)."""
    query = select(stock_levels)
    if location is not None:
        query = query.where(stock_levels.c.location == location)
    return {(r.sku, r.location): (r.on_hand, r.reserved) for r in conn.execute(query)}


def on_order(conn: Connection, location: str | None = None) -> dict[Key, int]:
    """(sku, location) -> units ordered and not yet received on open purchase orders."""
    lines, pos = purchase_order_lines, purchase_orders
    query = (
        select(lines.c.sku, pos.c.location, func.sum(lines.c.quantity - lines.c.received))
        .join(pos, pos.c.id == lines.c.purchase_order_id)
        .where(pos.c.status == "open")
        .group_by(lines.c.sku, pos.c.location)
    )
    if location is not None:
        query = query.where(pos.c.location == location)
    return {(r[0], r[1]): int(r[2]) for r in conn.execute(query) if r[2]}
