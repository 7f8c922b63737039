"""Stored forecasts read back: one series with its history beside it, and the accuracy table.

History is shown in the forecast's own weeks: seven-day blocks counted back from the last
day of history the run used, so the history's last week ends the day before the first
forecast week begins (``hub.forecasting.types``).
"""

from __future__ import annotations

import importlib.util
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy import Connection

from hub.errors import HubError, NotFound
from hub.forecasting import INSTALL_HINT, Forecast
from hub.store import catalog as catalog_store
from hub.store import demand as demand_store
from hub.store import forecasts as store
from hub.store.database import Database
from hub.store.forecasts import ALL_CHANNELS

DAILY_HISTORY_DAYS = 84


class ForecastingUnavailable(HubError):
    """No forecast stored and none can be made here: the optional group is missing."""

    status = 503
    title = "Forecasting unavailable"


@dataclass(frozen=True, slots=True)
class History:
    start: date
    step_days: int
    units: list[int]


@dataclass(frozen=True, slots=True)
class ForecastDetail:
    sku: str
    channel: str | None  # None: every channel
    run_id: int
    made_at: datetime | None  # when the run that made it finished (or started)
    history_start: date
    history_end: date
    forecast: Forecast
    history: History  # weekly
    history_daily: History | None  # the last 84 days, for series with a daily forecast


def available() -> bool:
    return importlib.util.find_spec("statsforecast") is not None


def require_forecasts(found: bool) -> None:
    """Nothing stored and nothing can be: say what to install rather than "not found"."""
    if not found and not available():
        raise ForecastingUnavailable(f"no forecasts are stored, and {INSTALL_HINT}")


def weekly(daily: list[int], step: int = 7) -> list[int]:
    """Sums of whole ``step``-day blocks counted back from the end (a leading rest dropped)."""
    rest = len(daily) % step
    return [sum(daily[i : i + step]) for i in range(rest, len(daily), step)]


def _daily(conn: Connection, sku: str, channel: str | None, since: date, until: date) -> list[int]:
    per_day: dict[date, int] = defaultdict(int)
    for u in demand_store.daily_units(conn, [sku], since, until, channel=channel):
        per_day[u.day] += u.units
    days = (until - since).days + 1
    return [per_day.get(since + timedelta(days=i), 0) for i in range(days)]


def detail(conn: Connection, sku: str, channel: str | None, weeks: int) -> ForecastDetail:
    """The stored forecast of ``sku`` (an alias is taken for its SKU) on ``channel`` (None:
    every channel), with up to ``weeks`` weeks of history; ``NotFound`` without one."""
    sku = catalog_store.alias_owners(conn, [sku]).get(sku, sku)
    row = store.get(conn, sku, channel or ALL_CHANNELS)
    if row is None:
        require_forecasts(bool(store.listing(conn, channel=None, limit=1)))
        where = f" on channel {channel!r}" if channel else ""
        raise NotFound(f"no forecast for SKU {sku!r}{where}; run `hub forecast run` first")
    forecast = msgspec.json.decode(row.doc, type=Forecast)
    end = row.history_end
    span = min(weeks * 7, ((end - row.history_start).days + 1) // 7 * 7)
    since = end - timedelta(days=span - 1)
    daily = _daily(conn, sku, channel, since, end) if span else []
    history = History(since, 7, weekly(daily))
    short = None
    if forecast.daily is not None:
        tail = daily[-DAILY_HISTORY_DAYS:]
        short = History(end - timedelta(days=len(tail) - 1), 1, tail)
    run = store.run_of(conn, row.run_id)
    made_at = (run.finished_at or run.started_at) if run is not None else None
    return ForecastDetail(
        sku, channel, row.run_id, made_at, row.history_start, end, forecast, history, short
    )


async def get_detail(
    db: Database, sku: str, channel: str | None = None, weeks: int = 104
) -> ForecastDetail:
    async with db.read() as conn:
        return await conn.run_sync(detail, sku, channel, weeks)


@dataclass(frozen=True, slots=True)
class AccuracyTable:
    run: Any | None  # the latest finished run (forecast_runs row)
    rows: list[Any]  # forecasts rows without their documents, by SKU and channel


async def accuracy(
    db: Database, *, channel: str | None = ALL_CHANNELS, sku: str | None = None
) -> AccuracyTable:
    """Each stored series' model and backtest accuracy (``channel`` None: every series)."""
    async with db.read() as conn:
        run = await conn.run_sync(lambda c: store.latest_run(c, status="done"))
        rows = await conn.run_sync(lambda c: store.listing(c, channel=channel, sku=sku))
    require_forecasts(bool(rows) or run is not None)
    return AccuracyTable(run, rows)
