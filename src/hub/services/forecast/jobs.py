"""The ``forecast.run`` job: one forecast run in the worker, queued by the nightly schedule."""

from __future__ import annotations

import logging
from datetime import date, datetime

from sqlalchemy import Connection

from hub.forecasting import ForecastUnavailable
from hub.services.forecast.run import run_forecasts
from hub.services.jobs import FatalJobError, JobContext
from hub.store import jobs as job_store
from hub.store.jobs import Job, NewJob

log = logging.getLogger(__name__)

FORECAST_JOB = "forecast.run"
#: a run that fails is tried once more; the next night's run comes anyway
JOB_ATTEMPTS = 2


def enqueue_forecast(conn: Connection, *, now: datetime, history_end: date | None = None) -> bool:
    """Queue a forecast run unless one waits or runs. True when a job was written."""
    payload = {} if history_end is None else {"history_end": history_end.isoformat()}
    return job_store.enqueue_unless_active_sync(
        conn, NewJob(FORECAST_JOB, payload), now=now, max_attempts=JOB_ATTEMPTS
    )


async def handle_forecast_job(ctx: JobContext, job: Job) -> None:
    end = job.payload.get("history_end")
    try:
        summary = await run_forecasts(ctx.db, history_end=date.fromisoformat(end) if end else None)
    except ForecastUnavailable as exc:
        raise FatalJobError(str(exc)) from None
    log.info(
        "forecast run %d: %d series of %d SKUs up to %s in %.1f s",
        summary.run_id,
        summary.series,
        summary.skus,
        summary.history_end,
        summary.seconds,
    )
