"""Without the optional forecast group the CLI and the API say "install hub[forecast]"
instead of failing, what is stored stays readable, and the nightly schedule waits."""

from __future__ import annotations

import asyncio
import sys
from datetime import date, datetime, timedelta

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from hub.clock import utcnow
from hub.config import Settings
from hub.forecasting import ForecastConfig
from hub.services.forecast import run_forecasts
from hub.services.forecast.jobs import FORECAST_JOB, enqueue_forecast, handle_forecast_job
from hub.services.forecast.schedule import enqueue_due, last_slot
from hub.services.jobs import FatalJobError, JobContext
from hub.store import forecasts as forecast_store
from hub.store import jobs as job_store
from hub.store.database import Database
from hub.store.jobs import Job
from tests.e2e.test_cli_import import run
from tests.e2e.test_orders_api import assert_problem
from tests.support.planning import history_rows, load_history, place, work

HINT = "install hub[forecast]"


def hide_statsforecast(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m.startswith("statsforecast")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "statsforecast", None)  # import statsforecast fails


async def test_cli_and_api_say_what_to_install(
    client: AsyncTestClient,
    auth: dict[str, str],
    db: Database,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hide_statsforecast(monkeypatch)
    for args in (("forecast", "run"), ("forecast", "backtest"), ("forecast", "report")):
        code, _, err = await asyncio.to_thread(run, settings, *args)
        assert code == 1 and HINT in err, (args, err)
    problem = assert_problem(await client.get("/forecast/TEE", headers=auth), 503)
    assert HINT in problem["detail"]
    job = Job(
        id=1,
        kind=FORECAST_JOB,
        payload={},
        state="running",
        attempts=1,
        max_attempts=2,
        run_at=utcnow(),
        created_at=utcnow(),
        updated_at=utcnow(),
    )
    with pytest.raises(FatalJobError, match=r"install hub\[forecast\]"):
        await handle_forecast_job(JobContext(db=db, settings=settings), job)
    # the replenishment list does not need the package: no forecast, no demand
    r = await client.get("/replenishment", headers=auth)
    assert r.status_code == 200 and r.json() == {
        "items": [],
        "next_cursor": None,
        "history_end": None,
    }


async def test_stored_forecasts_stay_readable(
    client: AsyncTestClient, auth: dict[str, str], db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = date(2024, 1, 1)
    await load_history(db, history_rows("TEE", "shop", start, [2.0] * 120))
    await run_forecasts(
        db, history_end=start + timedelta(days=119), config=ForecastConfig(workers=1)
    )
    hide_statsforecast(monkeypatch)
    r = await client.get("/forecast/TEE", headers=auth)
    assert r.status_code == 200 and r.json()["model"] == "HistoricAverage"
    assert_problem(await client.get("/forecast/MUG", headers=auth), 404)


async def test_the_schedule_counts_demand_and_queues_the_nightly_run(
    client: AsyncTestClient,
    auth: dict[str, str],
    db: Database,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    nightly = JobContext(db=db, settings=msgspec.structs.replace(settings, forecast_nightly=True))
    off = JobContext(db=db, settings=settings)
    due = await enqueue_due(nightly)
    assert (due.demand, due.forecast) == (False, False)  # no orders, no history
    await place(client, auth, "S1", {"TEE": 1})
    due = await enqueue_due(off)
    assert (due.demand, due.forecast) == (True, False)
    assert (await enqueue_due(off)).demand is False  # one is waiting already
    await work(db, settings)  # the local job counts the order
    assert (await enqueue_due(off)).demand is False
    hide_statsforecast(monkeypatch)
    assert (await enqueue_due(nightly)).forecast is False  # nothing to run it with
    monkeypatch.undo()
    assert (await enqueue_due(nightly)).forecast is True  # never ran: due now
    assert (await enqueue_due(nightly)).forecast is False  # one waits
    async with db.read() as conn:
        kinds = [
            j.kind
            for j in await job_store.list_jobs(conn, state=None, kind=None, after=None, limit=50)
        ]
    assert kinds.count(FORECAST_JOB) == 1 and kinds.count("demand.update") == 1


def test_the_nightly_slot() -> None:
    at = datetime(2025, 3, 14, 1, 59, tzinfo=utcnow().tzinfo)
    assert last_slot(at, 2) == datetime(2025, 3, 13, 2, tzinfo=at.tzinfo)
    assert last_slot(at + timedelta(minutes=1), 2) == datetime(2025, 3, 14, 2, tzinfo=at.tzinfo)


async def test_the_worker_runs_a_queued_forecast(db: Database, settings: Settings) -> None:
    start = date(2024, 1, 1)
    await load_history(db, history_rows("TEE", "shop", start, [3.0] * 100))
    end = start + timedelta(days=99)
    await db.run_write(lambda conn: enqueue_forecast(conn, now=utcnow(), history_end=end))
    await work(db, settings)
    async with db.read() as conn:
        run_row = await conn.run_sync(lambda c: forecast_store.latest_run(c))
        stored = await conn.run_sync(lambda c: forecast_store.get(c, "TEE"))
    assert (run_row.status, run_row.history_end, run_row.series) == ("done", end, 2)
    assert stored.demand_per_day == 3.0 and stored.model == "HistoricAverage"
