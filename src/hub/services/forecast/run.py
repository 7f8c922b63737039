"""A forecast run: the demand history brought up to date, every series forecast, stored.

``run_forecasts`` (``hub forecast run``, and the ``forecast.run`` job the worker's schedule
queues nightly):

1. counts the orders changed since the last demand update (``services/demand``);
2. reads the daily aggregate in chunks of SKUs (never the orders) and builds, per SKU, its
   series over every channel and one per channel it sold on (``series``), at most
   ``MAX_HISTORY_DAYS`` back, up to ``history_end`` (default: yesterday, UTC);
3. forecasts them all with ``hub.forecasting.forecast_many`` (models chosen by backtest,
   weekly paths, daily ones for fast movers, 80 % and 95 % intervals), in a thread so the
   event loop (the worker's lease heartbeat, the API) keeps going;
4. stores each series' forecast (model, MASE, bias, baseline MASE, the paths, demand and
   error per day) and each SKU's demand per location (``locations``); when the run is done
   its forecasts replace every older one.

Without the optional ``forecast`` group it raises ``ForecastUnavailable`` (install
hub[forecast]) before touching anything.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, NamedTuple

import msgspec
from sqlalchemy import Connection

from hub.clock import utcnow
from hub.forecasting import Forecast, ForecastConfig, forecast_many, require_statsforecast
from hub.services.demand import update_demand
from hub.services.forecast.locations import location_rows, shares
from hub.services.jobs import describe
from hub.store import demand as demand_store
from hub.store import forecasts as store
from hub.store.database import Database

#: 157 weeks: two years of yearly season before the earliest backtest origin, and more
MAX_HISTORY_DAYS = 157 * 7
SKU_CHUNK = 500
SAVE_ROWS = 1000

#: (phase, done, total): "history" while reading, "forecast" while forecasting
Progress = Callable[[str, int, int], None]


class RunSummary(NamedTuple):
    run_id: int
    history_end: date
    skus: int
    series: int  # forecasts stored (a SKU sold on one channel: two keys, one forecast)
    fitted: int  # series actually forecast
    orders_counted: int
    seconds: float


async def _read(db: Database, history_end: date, progress: Progress) -> tuple[Any, list[str]]:
    from hub.services.forecast import series  # numpy: the optional forecast group

    since = history_end - timedelta(days=MAX_HISTORY_DAYS - 1)
    async with db.read() as conn:
        skus = await conn.run_sync(demand_store.sold_skus, since, history_end)
    built, by_location = [], {}
    for start in range(0, len(skus), SKU_CHUNK):
        chunk = skus[start : start + SKU_CHUNK]

        def read(conn: Connection, chunk: list[str] = chunk) -> Any:
            rows = demand_store.daily_units(conn, chunk, since, history_end)
            return series.build(rows, history_end, MAX_HISTORY_DAYS)

        async with db.read() as conn:
            part = await conn.run_sync(read)
        built.extend(part.series)
        by_location.update(part.by_location)
        progress("history", min(start + SKU_CHUNK, len(skus)), len(skus))
    return series.Built(built, by_location), skus


def _forecast_row(s: Any, f: Forecast, channel: str, run_id: int, end: date) -> dict[str, Any]:
    acc = f.accuracy
    return {
        "sku": s.sku,
        "channel": channel,
        "run_id": run_id,
        "history_start": s.series.start,
        "history_end": end,
        "demand_class": f.demand.value,
        "model": f.model,
        "mase": acc.mase if acc else None,
        "bias": acc.bias if acc else None,
        "baseline": acc.baseline if acc else None,
        "baseline_mase": acc.baseline_mase if acc else None,
        "beats_baseline": acc.beats_baseline if acc else None,
        "demand_per_day": f.demand_per_day,
        "error_per_day": f.error_per_day,
        "doc": msgspec.json.encode(f),
    }


Rows = list[dict[str, Any]]


def _save_batch(conn: Connection, rows: Rows, located: Rows) -> None:
    store.save(conn, rows)
    store.save_locations(conn, located)


async def _save(db: Database, run_id: int, built: Any, results: list[Forecast], end: date) -> int:
    """Store the forecasts in batches of whole SKUs; returns the rows stored."""
    totals = [(s, f) for s, f in zip(built.series, results, strict=True) if not s.channel]
    async with db.read() as conn:
        stocked = await conn.run_sync(store.stocked_at, [s.sku for s, _ in totals])
        first = await conn.run_sync(store.first_location)
    rows: list[dict[str, Any]] = []
    located: list[dict[str, Any]] = []
    stored = 0
    for i, (s, f) in enumerate(zip(built.series, results, strict=True)):
        for channel in (s.channel, *s.also):
            rows.append(_forecast_row(s, f, channel, run_id, end))
        if not s.channel:
            split = shares(built.by_location.get(s.sku, {}), stocked.get(s.sku, []), first)
            located += location_rows(s.sku, f.demand_per_day, f.error_per_day, split, run_id)
        last_of_sku = i + 1 == len(results) or built.series[i + 1].sku != s.sku
        if last_of_sku and len(rows) >= SAVE_ROWS:
            await db.run_write(lambda conn, r=rows, loc=located: _save_batch(conn, r, loc))
            stored, rows, located = stored + len(rows), [], []
    await db.run_write(lambda conn: _save_batch(conn, rows, located))
    return stored + len(rows)


async def run_forecasts(
    db: Database,
    *,
    history_end: date | None = None,
    config: ForecastConfig | None = None,
    progress: Progress | None = None,
) -> RunSummary:
    """One forecast run (see the module docstring)."""
    require_statsforecast()
    started = time.perf_counter()
    report = progress or (lambda *_: None)
    config = config or ForecastConfig()
    counted = await update_demand(db)
    end = history_end or utcnow().date() - timedelta(days=1)
    run_id = await db.run_write(
        lambda conn: store.start_run(
            conn, now=utcnow(), history_end=end, horizon_weeks=config.horizon_weeks
        )
    )
    try:
        built, skus = await _read(db, end, report)
        todo = [s.series for s in built.series]
        results = await asyncio.to_thread(
            forecast_many, todo, config, lambda d, t: report("forecast", d, t)
        )
        stored = await _save(db, run_id, built, results, end)
    except Exception as exc:
        error = describe(exc)
        await db.run_write(
            lambda conn: store.finish_run(conn, run_id, now=utcnow(), series=0, error=error)
        )
        raise
    await db.run_write(lambda conn: store.finish_run(conn, run_id, now=utcnow(), series=stored))
    seconds = round(time.perf_counter() - started, 2)
    return RunSummary(run_id, end, len(skus), stored, len(todo), counted, seconds)
