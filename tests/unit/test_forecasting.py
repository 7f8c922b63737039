"""Forecasting: model choice beats seasonal naive, intervals cover, intermittent demand,
the flag when the baseline wins, the paths' shape, the pool, and the install hint."""

from __future__ import annotations

import sys
from datetime import timedelta

import msgspec
import numpy as np
import pytest

from hub.forecasting import (
    DailySeries,
    DemandClass,
    Forecast,
    ForecastConfig,
    ForecastUnavailable,
    engine,
    forecast_many,
    forecast_series,
)
from hub.forecasting.deps import statsforecast_models
from hub.forecasting.models import Candidate
from tests.support import demand

H = 12
INTERMITTENT_MODELS = {"CrostonSBA", "ADIDA", "IMAPA"}


def weekly_sums(units: np.ndarray) -> np.ndarray:
    return units[len(units) % 7 :].reshape(-1, 7).sum(axis=1)


def held_out_mase(f: Forecast, history: np.ndarray, future: np.ndarray) -> tuple[float, float]:
    """MASE of the forecast and of last year's weeks on the held-out weeks."""
    weeks = weekly_sums(history)
    scale = np.mean(np.abs(weeks[52:] - weeks[:-52]))
    naive = weeks[-52 : -52 + H]
    return (
        float(np.mean(np.abs(np.array(f.weekly.mean) - future)) / scale),
        float(np.mean(np.abs(naive - future)) / scale),
    )


@pytest.fixture(scope="module")
def seasonal_runs() -> list[tuple[Forecast, np.ndarray, np.ndarray]]:
    """60 series, 3 years + 12 held-out weeks: day-of-week and yearly season (sine or peak),
    trend, log-normal wobble and Poisson noise; half fast (30 a day), half slow (3 a day)."""
    rng = np.random.default_rng(2016)
    out = []
    for i in range(60):
        units = demand.seasonal(rng, 3 * 365 + 7 * H, [30, 3][i % 2], peak=i % 4 == 0)
        history, future = demand.held_out(units, H)
        out.append((DailySeries(f"S{i}", demand.START, history), history, future))
    forecasts = forecast_many([s for s, _, _ in out], ForecastConfig(workers=1))
    return [(f, h, fut) for f, (_, h, fut) in zip(forecasts, out, strict=True)]


def test_chosen_models_beat_seasonal_naive_by_ten_percent_on_held_out_weeks(
    seasonal_runs: list[tuple[Forecast, np.ndarray, np.ndarray]],
) -> None:
    scores = np.array([held_out_mase(f, h, fut) for f, h, fut in seasonal_runs])
    model, naive = scores.mean(axis=0)
    assert model <= 0.9 * naive, (model, naive)
    # and the backtest says so too, series by series
    assert np.mean([f.accuracy.beats_baseline for f, _, _ in seasonal_runs]) >= 0.9  # type: ignore[union-attr]
    assert {f.demand for f, _, _ in seasonal_runs} == {DemandClass.FAST, DemandClass.SLOW}
    assert all(f.accuracy.baseline == "SeasonalNaive(52)" for f, _, _ in seasonal_runs)  # type: ignore[union-attr]


def test_intervals_cover_their_share_of_held_out_weeks(
    seasonal_runs: list[tuple[Forecast, np.ndarray, np.ndarray]],
) -> None:
    inside80, inside95 = [], []
    for f, _, future in seasonal_runs:
        w = f.weekly
        inside80 += list((future >= w.lo80) & (future <= w.hi80))
        inside95 += list((future >= w.lo95) & (future <= w.hi95))
    assert len(inside80) == 720
    assert 0.75 <= np.mean(inside80) <= 0.85, np.mean(inside80)
    assert 0.90 <= np.mean(inside95) <= 0.99, np.mean(inside95)


def test_the_choice_is_the_lowest_backtest_mase(
    seasonal_runs: list[tuple[Forecast, np.ndarray, np.ndarray]],
) -> None:
    for f, _, _ in seasonal_runs:
        assert f.accuracy is not None
        assert (
            f.candidates[f.model]
            == min(f.candidates.values())
            == pytest.approx(f.accuracy.mase, abs=1e-4)
        )
        assert f.accuracy.origins == 3 and f.accuracy.points == 3 * H


def test_intermittent_series_get_intermittent_models_and_beat_naive_or_say_so() -> None:
    rng = np.random.default_rng(70)
    runs = []
    for i in range(30):
        units = demand.intermittent(rng, 3 * 365 + 7 * H, zero_share=0.7, size=2.0)
        history, future = demand.held_out(units, H)
        runs.append((forecast_series(DailySeries(f"I{i}", demand.START, history)), history, future))
    # one that last year's weeks forecast exactly: the baseline wins, and the series says so
    repeat = np.tile(demand.intermittent(rng, 364, zero_share=0.7), 3)
    flagged = forecast_series(DailySeries("REPEAT", demand.START, repeat))
    for f in [*(f for f, _, _ in runs), flagged]:
        assert f.demand is DemandClass.INTERMITTENT
        assert f.model in INTERMITTENT_MODELS
        assert f.accuracy is not None
        assert f.accuracy.beats_baseline == (f.accuracy.mase < f.accuracy.baseline_mase)
    assert flagged.accuracy is not None and not flagged.accuracy.beats_baseline
    # on the weeks they never saw, the intermittent models beat last year's weeks
    scores = np.array([held_out_mase(f, h, fut) for f, h, fut in runs])
    assert scores[:, 0].mean() <= 0.9 * scores[:, 1].mean(), scores.mean(axis=0)
    assert np.mean(scores[:, 0] < scores[:, 1]) >= 0.8
    assert np.mean([f.accuracy.beats_baseline for f, _, _ in runs]) >= 0.8  # type: ignore[union-attr]
    # 30 % of days x 2 units = 0.6 a day
    assert 0.5 < np.mean([f.demand_per_day for f, _, _ in runs]) < 0.7


def test_a_series_the_baseline_forecasts_best_is_flagged() -> None:
    # the same 52 random weeks every year: last year's week is exactly right
    rng = np.random.default_rng(5)
    year = rng.poisson(20, 364).astype(float)
    f = forecast_series(DailySeries("REPEAT", demand.START, np.tile(year, 3)))
    assert f.accuracy is not None
    assert f.accuracy.baseline_mase == 0.0
    assert not f.accuracy.beats_baseline
    assert f.model == "SeasonalNaive(52)"


def test_paths_start_the_day_after_the_history_and_nest_their_intervals() -> None:
    rng = np.random.default_rng(1)
    units = demand.seasonal(rng, 3 * 365, 50)
    f = forecast_series(DailySeries("FAST", demand.START, units))
    end = demand.START + timedelta(days=3 * 365)
    assert f.demand is DemandClass.FAST
    assert f.weekly.start == end and f.weekly.step_days == 7 and len(f.weekly.mean) == H
    assert f.daily is not None
    assert f.daily.start == end and f.daily.step_days == 1 and len(f.daily.mean) == 7 * H
    for p in (f.weekly, f.daily):
        assert np.all(np.array(p.lo95) <= p.lo80) and np.all(np.array(p.lo80) <= p.mean)
        assert np.all(np.array(p.mean) <= p.hi80) and np.all(np.array(p.hi80) <= p.hi95)
        assert min(p.lo95) >= 0
    # the days add up to the weeks, and keep the day-of-week pattern (Saturday is best)
    days = np.array(f.daily.mean).reshape(H, 7)
    assert days.sum(axis=1) == pytest.approx(f.weekly.mean, rel=1e-3)
    assert (end + timedelta(days=int(days.mean(axis=0).argmax()))).weekday() == 5
    assert f.demand_per_day == pytest.approx(np.mean(f.weekly.mean) / 7, rel=1e-3)
    assert f.error_per_day == pytest.approx(f.accuracy.rmse_week / 7**0.5, rel=1e-3)  # type: ignore[union-attr]
    # what the API will send: JSON and back
    assert msgspec.json.decode(msgspec.json.encode(f), type=Forecast) == f


def test_classes_for_empty_short_slow_and_young_series() -> None:
    rng = np.random.default_rng(3)
    none = forecast_series(DailySeries("NONE", demand.START, np.zeros(400)))
    assert (none.demand, none.model, none.weekly.mean) == (DemandClass.NONE, "Zero", [0.0] * H)
    short = forecast_series(DailySeries("NEW", demand.START, rng.poisson(3, 100).astype(float)))
    assert short.demand is DemandClass.SHORT and short.accuracy is None
    assert short.model == "HistoricAverage" and 2.5 < short.demand_per_day < 3.5
    slow = forecast_series(DailySeries("SLOW", demand.START, demand.seasonal(rng, 3 * 365, 2)))
    assert slow.demand is DemandClass.SLOW and slow.daily is None
    # a year and a half: no yearly season, the baseline is last week
    young = forecast_series(DailySeries("YOUNG", demand.START, demand.seasonal(rng, 550, 5)))
    assert young.accuracy is not None and young.accuracy.baseline == "Naive"
    assert young.model in {"Naive", "Theta", "AutoETS"}


def test_a_model_that_fails_on_a_series_drops_out_of_the_choice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def boom(y: np.ndarray, h: int) -> np.ndarray:
        raise FloatingPointError("diverged")

    real = engine.candidates

    def with_boom(d: DemandClass, yearly: bool) -> tuple[list[Candidate], list[Candidate]]:
        cheap, dear = real(d, yearly)
        return [Candidate("Boom", boom), *cheap], dear

    monkeypatch.setattr(engine, "candidates", with_boom)
    rng = np.random.default_rng(4)
    f = forecast_series(DailySeries("S", demand.START, demand.seasonal(rng, 3 * 365, 5)))
    assert f.model != "Boom" and "Boom" not in f.candidates
    assert f.accuracy is not None and f.accuracy.beats_baseline


def test_forecast_many_over_processes_keeps_order_and_reports_progress() -> None:
    rng = np.random.default_rng(9)
    series = [DailySeries(f"P{i}", demand.START, demand.intermittent(rng, 800)) for i in range(6)]
    seen: list[tuple[int, int]] = []
    got = forecast_many(
        series, ForecastConfig(workers=2, chunk_size=2), lambda d, t: seen.append((d, t))
    )
    assert [f.key for f in got] == [s.key for s in series]
    assert got == [forecast_series(s) for s in series]
    assert seen == [(2, 6), (4, 6), (6, 6)]


def test_without_statsforecast_the_hub_says_install_hub_forecast(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in [m for m in sys.modules if m.startswith("statsforecast")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "statsforecast", None)  # import statsforecast fails
    series = DailySeries("X", demand.START, np.ones(400))
    for call in (
        lambda: forecast_many([series]),
        lambda: forecast_series(series),
        statsforecast_models,
    ):
        with pytest.raises(ForecastUnavailable, match=r"install hub\[forecast\]"):
            call()
