"""Forecast one series, or many over a process pool: classify, backtest, choose, forecast.

Per series (``forecast_series``): cut the history into whole weeks, classify it
(``hub.forecasting.classify``), backtest the class's candidates and the baseline by rolling
origin (``hub.forecasting.backtest``), refit the winner on the whole history, forecast
``horizon_weeks`` weeks with empirical 80 % and 95 % intervals, and for fast movers spread
the weekly forecast over the days by the day-of-week shares of the last 52 weeks (a daily
path whose days add up to the weeks; its intervals come from the same backtest at daily
grain).

``forecast_many`` sends chunks of series to worker processes (spawned, one per core by
default) and reports progress per chunk; results keep the order of the input.
"""

from __future__ import annotations

import math
import multiprocessing
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from typing import NamedTuple

import numpy as np

from hub.forecasting import backtest
from hub.forecasting.classify import classify, has_yearly_season, whole_weeks
from hub.forecasting.deps import require_statsforecast
from hub.forecasting.models import Candidate, baseline, candidates, weekly_mean
from hub.forecasting.types import DailySeries, DemandClass, Forecast, ForecastConfig, Path

Progress = Callable[[int, int], None]
Bands = dict[str, np.ndarray]


def _path(start: date, step: int, mean: np.ndarray, bands: Bands) -> Path:
    def fl(a: np.ndarray) -> list[float]:
        return np.round(a, 3).tolist()

    return Path(
        start=start,
        step_days=step,
        mean=fl(mean),
        lo80=fl(bands["lo80"]),
        hi80=fl(bands["hi80"]),
        lo95=fl(bands["lo95"]),
        hi95=fl(bands["hi95"]),
    )


def _dow_shares(daily: np.ndarray) -> np.ndarray:
    """Share of a week's units on each day of the seven-day block, over the last 52 weeks."""
    sums = daily[-364:].reshape(-1, 7).sum(axis=0)
    total = sums.sum()
    return sums / total if total > 0 else np.full(7, 1 / 7)


def _spread(weekly: np.ndarray, shares: np.ndarray) -> np.ndarray:
    return np.repeat(weekly, 7) * np.tile(shares, weekly.size)


def _daily_path(start: date, mean: np.ndarray, bt: backtest.Backtest, daily: np.ndarray) -> Path:
    """The weekly forecast spread over days; intervals from the backtest at daily grain."""
    h = mean.size
    fcs, actuals = [], []
    for fc, e in zip(bt.forecast, bt.ends, strict=True):
        fcs.append(_spread(fc, _dow_shares(daily[: 7 * e])))
        actuals.append(daily[7 * e : 7 * (e + h)])
    rms = backtest.spread(np.concatenate(actuals), np.concatenate(fcs))
    day_mean = _spread(mean, _dow_shares(daily))
    return _path(start, 1, day_mean, backtest.intervals(day_mean, rms))


def _empty(key: str, start: date, config: ForecastConfig) -> Forecast:
    zero = np.zeros(config.horizon_weeks)
    bands = {f"{s}{lv}": zero for s in ("lo", "hi") for lv in backtest.LEVELS}
    return Forecast(key, DemandClass.NONE, "Zero", _path(start, 7, zero, bands), None, None, 0, 0)


def _short(
    key: str, start: date, daily: np.ndarray, weekly: np.ndarray, config: ForecastConfig
) -> Forecast:
    """Too short to backtest: the historic average, intervals from the weeks seen so far."""
    (cand,), _ = candidates(DemandClass.SHORT, yearly=False)
    h = config.horizon_weeks
    mean = weekly_mean(cand, daily, weekly, h)
    bands = backtest.intervals(mean, backtest.spread(weekly, np.full(weekly.size, mean[0])))
    per_day = float(mean.mean() / 7)
    error = float(weekly.std() / math.sqrt(7)) if weekly.size > 1 else per_day
    path = _path(start, 7, mean, bands)
    return Forecast(key, DemandClass.SHORT, cand.name, path, None, None, per_day, error)


class _Choice(NamedTuple):
    model: Candidate
    model_bt: backtest.Backtest
    baseline_bt: backtest.Backtest
    scale: float
    scores: dict[str, float]


def _runs(
    cands: list[Candidate], daily: np.ndarray, weekly: np.ndarray, config: ForecastConfig
) -> dict[str, backtest.Backtest]:
    """Backtests of the candidates; one that fails on this series drops out of the choice."""
    out = {}
    for c in cands:
        try:
            out[c.name] = backtest.run(c, daily, weekly, config)
        except Exception:  # noqa: S112 - a model's numerical failure must not stop the run
            continue
    return out


def _choose(
    demand: DemandClass, yearly: bool, daily: np.ndarray, weekly: np.ndarray, config: ForecastConfig
) -> _Choice:
    """Backtest the cheap candidates, the expensive ones where those leave room; pick one."""
    base = baseline(yearly)
    scale = backtest.mase_scale(weekly, yearly, config)
    cheap, dear = candidates(demand, yearly)
    base_bt = backtest.run(base, daily, weekly, config)
    runs = _runs([c for c in cheap if c != base], daily, weekly, config)
    if base in cheap:
        runs[base.name] = base_bt
    scores = {name: backtest.mase(bt, scale) for name, bt in runs.items()}
    target = (1 - config.expensive_below_gain) * backtest.mase(base_bt, scale)
    if dear and min(scores.values(), default=np.inf) > target:
        for name, bt in _runs(dear, daily, weekly, config).items():
            runs[name], scores[name] = bt, backtest.mase(bt, scale)
    if not runs:  # every candidate failed: fall back on the baseline
        runs, scores = {base.name: base_bt}, {base.name: backtest.mase(base_bt, scale)}
    best = min(scores, key=scores.__getitem__)
    model = next(c for c in [base, *cheap, *dear] if c.name == best)
    return _Choice(model, runs[best], base_bt, scale, scores)


def forecast_series(series: DailySeries, config: ForecastConfig | None = None) -> Forecast:
    """Forecast one series (see the module docstring)."""
    config = config or ForecastConfig()
    start = series.start + timedelta(days=len(series.units))
    daily, weekly = whole_weeks(series.units)
    demand = classify(daily, config)
    if demand is DemandClass.NONE:
        return _empty(series.key, start, config)
    if demand is DemandClass.SHORT:
        return _short(series.key, start, daily, weekly, config)
    yearly = has_yearly_season(weekly.size, config)
    chosen, bt, base_bt, scale, scores = _choose(demand, yearly, daily, weekly, config)
    try:
        mean = weekly_mean(chosen, daily, weekly, config.horizon_weeks)
    except Exception:  # fitted at every origin, failed on the whole history: the baseline
        chosen, bt = baseline(yearly), base_bt
        mean = weekly_mean(chosen, daily, weekly, config.horizon_weeks)
    bands = backtest.intervals(mean, backtest.spread(bt.actual, bt.forecast))
    acc = backtest.accuracy(bt, base_bt, baseline(yearly).name, scale)
    return Forecast(
        key=series.key,
        demand=demand,
        model=chosen.name,
        weekly=_path(start, 7, mean, bands),
        daily=_daily_path(start, mean, bt, daily) if demand is DemandClass.FAST else None,
        accuracy=acc,
        demand_per_day=round(float(mean.mean() / 7), 4),
        error_per_day=round(acc.rmse_week / math.sqrt(7), 4),
        candidates={name: round(s, 4) for name, s in scores.items()},
    )


def _chunk(series: list[DailySeries], config: ForecastConfig) -> list[Forecast]:
    return [forecast_series(s, config) for s in series]


def forecast_many(
    series: Iterable[DailySeries],
    config: ForecastConfig | None = None,
    on_progress: Progress | None = None,
) -> list[Forecast]:
    """Forecast every series, in chunks over ``config.workers`` processes, in input order.

    ``on_progress(done, total)`` is called in this process after each chunk.
    """
    require_statsforecast()
    config = config or ForecastConfig()
    items = list(series)
    size = config.chunk_size
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    workers = min(config.workers or os.cpu_count() or 1, len(chunks))
    out: list[Forecast] = []
    if workers <= 1:
        results: Iterable[list[Forecast]] = (_chunk(c, config) for c in chunks)
        return _collect(results, out, len(items), on_progress)
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        results = pool.map(_chunk, chunks, [config] * len(chunks))
        return _collect(results, out, len(items), on_progress)


def _collect(
    results: Iterable[list[Forecast]], out: list[Forecast], total: int, progress: Progress | None
) -> list[Forecast]:
    for part in results:
        out.extend(part)
        if progress is not None:
            progress(len(out), total)
    return out
