"""Forecast runs, the latest forecast per series, and each SKU's demand per location
(synchronous: every function runs in ``run_write`` or ``run_sync``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from hub.store.planning_tables import forecast_locations, forecast_runs, forecasts
from hub.store.tables import locations, stock_levels

ALL_CHANNELS = ""  # the channel of a SKU's forecast over every channel


def start_run(conn: Connection, *, now: datetime, history_end: date, horizon_weeks: int) -> int:
    result = conn.execute(
        insert(forecast_runs)
        .values(
            started_at=now,
            status="running",
            history_end=history_end,
            horizon_weeks=horizon_weeks,
            series=0,
        )
        .returning(forecast_runs.c.id)
    )
    return int(result.scalar_one())


def finish_run(
    conn: Connection, run_id: int, *, now: datetime, series: int, error: str | None = None
) -> None:
    """Mark the run done (its forecasts replace every older one) or failed."""
    conn.execute(
        update(forecast_runs)
        .where(forecast_runs.c.id == run_id)
        .values(finished_at=now, status="failed" if error else "done", series=series, error=error)
    )
    if error is None:
        conn.execute(delete(forecasts).where(forecasts.c.run_id != run_id))
        conn.execute(delete(forecast_locations).where(forecast_locations.c.run_id != run_id))


def run_of(conn: Connection, run_id: int) -> Any | None:
    return conn.execute(select(forecast_runs).where(forecast_runs.c.id == run_id)).first()


def latest_run(conn: Connection, *, status: str | None = None) -> Any | None:
    query = select(forecast_runs).order_by(forecast_runs.c.id.desc()).limit(1)
    if status is not None:
        query = query.where(forecast_runs.c.status == status)
    return conn.execute(query).first()


def save(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Replace the stored forecast of each series in ``rows`` (keyed by sku and channel)."""
    if not rows:
        return
    skus = sorted({r["sku"] for r in rows})
    for start in range(0, len(skus), 500):
        conn.execute(delete(forecasts).where(forecasts.c.sku.in_(skus[start : start + 500])))
    conn.execute(insert(forecasts), list(rows))


def save_locations(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    skus = sorted({r["sku"] for r in rows})
    for start in range(0, len(skus), 500):
        conn.execute(
            delete(forecast_locations).where(
                forecast_locations.c.sku.in_(skus[start : start + 500])
            )
        )
    conn.execute(insert(forecast_locations), list(rows))


def get(conn: Connection, sku: str, channel: str = ALL_CHANNELS) -> Any | None:
    return conn.execute(
        select(forecasts).where(forecasts.c.sku == sku, forecasts.c.channel == channel)
    ).first()


def listing(
    conn: Connection,
    *,
    channel: str | None = ALL_CHANNELS,
    sku: str | None = None,
    limit: int | None = None,
) -> list[Any]:
    """Stored forecasts without their documents, by SKU and channel."""
    cols = [c for c in forecasts.c if c.name != "doc"]
    query = select(*cols).order_by(forecasts.c.sku, forecasts.c.channel)
    if channel is not None:
        query = query.where(forecasts.c.channel == channel)
    if sku is not None:
        query = query.where(forecasts.c.sku == sku)
    if limit is not None:
        query = query.limit(limit)
    return list(conn.execute(query))


def demand_per_day(conn: Connection, skus: Sequence[str]) -> dict[str, float]:
    """Each SKU's forecast demand per day over every channel (SKUs without one left out)."""
    out: dict[str, float] = {}
    for start in range(0, len(skus), 500):
        rows = conn.execute(
            select(forecasts.c.sku, forecasts.c.demand_per_day).where(
                forecasts.c.sku.in_(list(skus[start : start + 500])),
                forecasts.c.channel == ALL_CHANNELS,
            )
        )
        out.update((r.sku, r.demand_per_day) for r in rows)
    return out


def docs(conn: Connection, skus: Sequence[str], channel: str = ALL_CHANNELS) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for start in range(0, len(skus), 500):
        rows = conn.execute(
            select(forecasts.c.sku, forecasts.c.doc).where(
                forecasts.c.sku.in_(list(skus[start : start + 500])),
                forecasts.c.channel == channel,
            )
        )
        out.update((r.sku, r.doc) for r in rows)
    return out


def location_demand(conn: Connection, location: str | None = None) -> list[Any]:
    query = select(forecast_locations).order_by(
        forecast_locations.c.sku, forecast_locations.c.location
    )
    if location is not None:
        query = query.where(forecast_locations.c.location == location)
    return list(conn.execute(query))


def stocked_at(conn: Connection, skus: Sequence[str]) -> dict[str, list[str]]:
    """SKU -> the locations holding a stock level of it."""
    out: dict[str, list[str]] = {}
    for start in range(0, len(skus), 500):
        rows = conn.execute(
            select(stock_levels.c.sku, stock_levels.c.location)
            .where(stock_levels.c.sku.in_(list(skus[start : start + 500])))
            .order_by(stock_levels.c.sku, stock_levels.c.location)
        )
        for r in rows:
            out.setdefault(r.sku, []).append(r.location)
    return out


def first_location(conn: Connection) -> str | None:
    """The location reserved from first (lowest priority), where new stock would go."""
    return conn.execute(
        select(locations.c.code).order_by(locations.c.priority, locations.c.code).limit(1)
    ).scalar()
