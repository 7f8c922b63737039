"""Forecasts wired into the hub: runs over the demand history, stored per series, read back.

- ``run``: ``run_forecasts`` (``hub forecast run``, the ``forecast.run`` job): the demand
  history brought up to date, every SKU and SKU x channel forecast, results stored.
- ``series``: daily series from the aggregate (numpy; the optional forecast group).
- ``locations``: each SKU's demand split over its locations, for replenishment.
- ``results``: what the API, the CLI and the report read (history beside forecast).
- ``jobs`` and ``schedule``: the job, and what the worker's loop calls (``enqueue_due``).
- ``report``: the static HTML report (``hub forecast report``).

The engine is ``hub.forecasting``; without its optional dependency group the entry points
answer "install hub[forecast]" (``ForecastUnavailable``).
"""

from __future__ import annotations

from hub.services.demand import DEMAND_JOB, handle_update_job
from hub.services.forecast.jobs import FORECAST_JOB, enqueue_forecast, handle_forecast_job
from hub.services.forecast.run import RunSummary, run_forecasts
from hub.services.jobs import JobRegistry


def register(registry: JobRegistry) -> None:
    """``demand.update`` (local: counted in its claim transaction) and ``forecast.run``."""
    registry.register_local(DEMAND_JOB, handle_update_job)
    registry.register(FORECAST_JOB, handle_forecast_job)


__all__ = [
    "FORECAST_JOB",
    "RunSummary",
    "enqueue_forecast",
    "register",
    "run_forecasts",
]
