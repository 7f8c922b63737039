"""Forecast runs over imported history: stored per series (per SKU and per SKU x channel),
read back by ``GET /forecast/{sku}`` beside their history, checked by ``hub forecast
backtest`` and shown by ``hub forecast report``."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from litestar.testing import AsyncTestClient

from hub.clock import utcnow
from hub.config import Settings
from hub.forecasting import ForecastConfig
from hub.services.forecast import run_forecasts
from hub.store import forecasts as forecast_store
from hub.store.database import Database
from tests.e2e.test_catalog_api import item, put
from tests.e2e.test_cli_import import run
from tests.e2e.test_orders_api import assert_problem
from tests.e2e.test_stock_api import setup_locations
from tests.support import demand
from tests.support.planning import history_rows, load_history

DAYS = 3 * 365
END = demand.START + timedelta(days=DAYS - 1)


async def seed(db: Database) -> dict[str, np.ndarray]:
    """TEE: fast and seasonal on two channels at main; REPEAT: the same year three times
    (last year's week is always right); PIN: intermittent, at no known location; NEW: 60
    days old."""
    rng = np.random.default_rng(16)
    shop, amazon = demand.seasonal(rng, DAYS, 28), demand.seasonal(rng, DAYS, 12)
    repeat = np.tile(rng.poisson(6, 364).astype(float), 4)[:DAYS]
    pin = demand.intermittent(rng, DAYS, zero_share=0.7)
    new = np.concatenate([np.zeros(DAYS - 60), rng.poisson(2, 60).astype(float)])
    rows = history_rows("TEE", "shop", demand.START, shop, "main")
    rows += history_rows("TEE", "amazon", demand.START, amazon, "main")
    rows += history_rows("REPEAT", "shop", demand.START, repeat, "main")
    rows += history_rows("PIN", "shop", demand.START, pin)
    rows += history_rows("NEW", "shop", demand.START, new, "tpl")
    await load_history(db, rows)
    return {"TEE": shop + amazon, "amazon": amazon}


async def forecast(db: Database) -> None:
    summary = await run_forecasts(db, history_end=END, config=ForecastConfig(workers=1))
    # TEE: all, shop, amazon; the others sold on one channel: one fit, two keys each
    assert (summary.skus, summary.series, summary.fitted) == (4, 9, 6)


async def test_a_run_read_back_by_the_api(
    client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    await setup_locations(client, auth)
    assert (await put(client, auth, item("TEE", aliases=["TEE-OLD"]))).is_success
    units = await seed(db)
    await forecast(db)

    r = await client.get("/forecast/TEE-OLD", headers=auth)  # an alias names its SKU
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["sku"], got["channel"], got["history_end"]) == ("TEE", None, END.isoformat())
    assert got["demand_class"] == "fast" and got["accuracy"]["beats_baseline"] is True
    assert got["run_id"] == 1 and got["made_at"].startswith(str(utcnow().year))
    history, path = got["history"], got["forecast"]
    weeks = len(history["units"])
    assert (weeks, history["step_days"]) == (104, 7)
    # the history's weeks are the forecast's: the last one ends the day before it starts
    start = demand.START + timedelta(days=DAYS - 7 * weeks)
    assert history["start"] == start.isoformat()
    assert history["units"] == units["TEE"][-7 * weeks :].reshape(-1, 7).sum(axis=1).tolist()
    assert path["start"] == (END + timedelta(days=1)).isoformat() and len(path["mean"]) == 12
    for lo95, lo80, mean, hi80, hi95 in zip(
        path["lo95"], path["lo80"], path["mean"], path["hi80"], path["hi95"], strict=True
    ):
        assert 0 <= lo95 <= lo80 <= mean <= hi80 <= hi95
    assert len(got["daily"]["mean"]) == 84 and len(got["history_daily"]["units"]) == 84
    assert got["history_daily"]["units"] == units["TEE"][-84:].astype(int).tolist()
    assert got["candidates"][got["model"]] == pytest.approx(got["accuracy"]["mase"], abs=1e-3)

    amazon = (await client.get("/forecast/TEE?channel=amazon&weeks=4", headers=auth)).json()
    assert amazon["channel"] == "amazon" and len(amazon["history"]["units"]) == 4
    assert amazon["history"]["units"] == units["amazon"][-28:].reshape(4, 7).sum(axis=1).tolist()
    assert 0.2 < amazon["demand_per_day"] / got["demand_per_day"] < 0.4
    same = [
        (await client.get(f"/forecast/REPEAT{q}", headers=auth)).json()
        for q in ("", "?channel=shop")
    ]
    assert same[0]["model"] == same[1]["model"] and same[0]["accuracy"] == same[1]["accuracy"]
    assert same[0]["accuracy"]["beats_baseline"] is False
    short = (await client.get("/forecast/NEW", headers=auth)).json()
    assert short["demand_class"] == "short" and short["accuracy"] is None

    assert_problem(await client.get("/forecast/NOPE", headers=auth), 404)
    assert_problem(await client.get("/forecast/TEE?channel=ebay", headers=auth), 404)
    assert_problem(await client.get("/forecast/TEE?weeks=0", headers=auth), 400, "weeks")

    async with db.read() as conn:
        located = await conn.run_sync(forecast_store.location_demand)
    split = {(r.sku, r.location): r.share for r in located}
    # PIN sold at no known location and is stocked nowhere: the first location takes it
    assert split == {
        ("TEE", "main"): 1,
        ("REPEAT", "main"): 1,
        ("PIN", "main"): 1,
        ("NEW", "tpl"): 1,
    }


async def test_backtest_and_report_from_the_command_line(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings, tmp_path: Path
) -> None:
    await setup_locations(client, auth)
    code, _, err = await asyncio.to_thread(run, settings, "forecast", "backtest")
    assert code == 1 and "no forecast run has finished yet" in err
    await seed(db)
    code, out, err = await asyncio.to_thread(
        run, settings, "forecast", "run", "--end", END.isoformat(), "--workers", "1"
    )
    assert code == 0, err
    assert out.strip().startswith(f"run 1: 9 series of 4 SKUs forecast from history up to {END}")

    code, out, _ = await asyncio.to_thread(run, settings, "forecast", "backtest")
    assert code == 0
    lines = out.splitlines()
    assert "does not beat seasonal naive: REPEAT (all channels), model SeasonalNaive(52)" in lines
    assert any("4 series, 2 beat seasonal naive, 1 do not, 1 not backtested" in ln for ln in lines)
    row = next(ln for ln in lines if "REPEAT" in ln and "│" in ln)
    assert row.rstrip(" │").endswith("NO")
    code, out, _ = await asyncio.to_thread(run, settings, "forecast", "backtest", "--every-channel")
    assert "9 series" in out and "amazon" in out

    page = tmp_path / "report.html"
    code, out, _ = await asyncio.to_thread(
        run, settings, "forecast", "report", "--out", str(page), "--skus", "3"
    )
    assert code == 0 and out.strip() == f"wrote {page} (3 SKUs charted)"
    html = page.read_text()
    assert html.count("<svg") == 3 and html.count('class="band80"') == 3
    assert "<script" not in html and "src=" not in html and "href=" not in html
    assert "Does not beat seasonal naive (SeasonalNaive(52))" in html
    assert "<td>REPEAT</td>" in html  # the replenishment list
