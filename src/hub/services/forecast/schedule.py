"""What the worker's loop calls every few seconds for demand and forecasts (``enqueue_due``).

- ``demand.update`` (a local job) when an order changed since the last count;
- ``forecast.run`` once a night: when the hour ``forecast_hour_utc`` (setting, default 2)
  has passed since the last run started, there is demand history to forecast, the
  optional forecast group is installed, and ``forecast_nightly`` is on (the default).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from hub.clock import utcnow
from hub.services.demand.update import enqueue_update, pending_changes
from hub.services.forecast.jobs import enqueue_forecast
from hub.services.jobs import JobContext
from hub.store import demand as demand_store
from hub.store import forecasts as store


@dataclass(slots=True)
class Due:
    demand: bool = False
    forecast: bool = False


def last_slot(now: datetime, hour: int) -> datetime:
    """The latest moment at ``hour``:00 UTC that is not after ``now``."""
    slot = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    return slot if slot <= now else slot - timedelta(days=1)


def forecast_due(conn: Connection, now: datetime, hour: int) -> bool:
    last = store.latest_run(conn)
    if last is not None and last.started_at >= last_slot(now, hour):
        return False
    return demand_store.has_sales(conn)


def _installed() -> bool:
    return importlib.util.find_spec("statsforecast") is not None


async def enqueue_due(ctx: JobContext) -> Due:
    """Queue what is due (see the module docstring), each kind at most once waiting."""
    due = Due()
    nightly = ctx.settings.forecast_nightly and _installed()

    def pick(conn: Connection) -> None:
        now = utcnow()
        if pending_changes(conn):
            due.demand = enqueue_update(conn, now=now)
        if nightly and forecast_due(conn, now, ctx.settings.forecast_hour_utc):
            due.forecast = enqueue_forecast(conn, now=now)

    await ctx.db.run_write(pick)
    if due.demand or due.forecast:
        ctx.db.signal_jobs()
    return due
