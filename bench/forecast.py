"""Forecast benchmark: 10,000 SKUs x 3 years of daily history, models chosen by backtest.

Generates a catalogue with ``tests/support/demand.py`` (fast movers 20-200 units a day,
slow movers 1-6, intermittent with 55-95 % zero days; seasonal ones with a trend, a yearly
sine or peak and a day-of-week pattern), keeps the last ``--horizon`` weeks aside, runs
``hub.forecasting.forecast_many`` on the rest over ``--workers`` processes and prints:

- elapsed seconds and series per second (the run, not the generation), and the CPU
  seconds it took (on a busy machine elapsed grows, CPU much less);
- peak RSS in MiB of this process plus its worker processes (sampled every 50 ms);
- per demand class: series, models chosen, the backtest's share beating seasonal naive
  and median MASE (with the baseline's), and on the held-out weeks the MASE against
  seasonal naive's and the coverage of the 80 % and 95 % intervals::

    .venv/bin/python bench/forecast.py                    # ~1 min on 2 cores
    .venv/bin/python bench/forecast.py --skus 2000 --workers 1
"""

from __future__ import annotations

import argparse
import collections
import resource
import sys
import threading
import time
from pathlib import Path

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.support.demand

from hub.forecasting import DailySeries, Forecast, ForecastConfig, forecast_many  # noqa: E402
from tests.support import demand  # noqa: E402


class PeakRss:
    """Samples the RSS of this process and its children; ``peak`` in bytes."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(0.05):
            total = me.memory_info().rss
            for child in me.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def cpu_seconds() -> float:
    """User and system CPU of this process and of its finished children."""
    usage = [resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(u.ru_utime + u.ru_stime for u in usage)


def held_out_scores(f: Forecast, history: np.ndarray, future: np.ndarray) -> tuple[float, ...]:
    """MASE of the forecast and of seasonal naive on the held-out weeks, and coverage."""
    weeks = history[len(history) % 7 :].reshape(-1, 7).sum(axis=1)
    h = future.size
    naive = weeks[-52 : -52 + h] if h < 52 else weeks[-52:][:h]
    scale = np.mean(np.abs(weeks[52:] - weeks[:-52])) or 1.0
    w = f.weekly
    mean, lo80, hi80 = np.array(w.mean), np.array(w.lo80), np.array(w.hi80)
    in80 = np.mean((future >= lo80) & (future <= hi80))
    in95 = np.mean((future >= np.array(w.lo95)) & (future <= np.array(w.hi95)))
    return (
        float(np.mean(np.abs(mean - future)) / scale),
        float(np.mean(np.abs(naive - future)) / scale),
        float(in80),
        float(in95),
    )


def summary(forecasts: list[Forecast], futures: list[tuple[np.ndarray, np.ndarray]]) -> None:
    by_class: dict[str, list[int]] = collections.defaultdict(list)
    for i, f in enumerate(forecasts):
        by_class[f.demand.value].append(i)
    print(
        f"{'class':<13}{'series':>7}  {'beats naive':>11}  {'MASE':>6}  {'naive':>6}"
        f"  | held out: {'MASE':>6}  {'naive':>6}  {'in 80%':>6}  {'in 95%':>6}  models"
    )
    for name, idx in sorted(by_class.items()):
        acc = [forecasts[i].accuracy for i in idx if forecasts[i].accuracy]
        ho = np.array([held_out_scores(forecasts[i], *futures[i]) for i in idx])
        models = collections.Counter(forecasts[i].model for i in idx).most_common()
        beats = np.mean([a.beats_baseline for a in acc]) if acc else float("nan")
        mase = np.median([a.mase for a in acc]) if acc else float("nan")
        base = np.median([a.baseline_mase for a in acc]) if acc else float("nan")
        print(
            f"{name:<13}{len(idx):>7}  {beats:>11.1%}  {mase:>6.3f}  {base:>6.3f}"
            f"  |           {np.median(ho[:, 0]):>6.3f}  {np.median(ho[:, 1]):>6.3f}"
            f"  {np.mean(ho[:, 2]):>6.1%}  {np.mean(ho[:, 3]):>6.1%}  "
            + ", ".join(f"{m} {n}" for m, n in models)
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skus", type=int, default=10_000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--mix", default="0.1,0.3,0.6", help="fast,slow,intermittent shares")
    parser.add_argument("--horizon", type=int, default=12, help="weeks")
    parser.add_argument("--workers", type=int, default=0, help="0: one per CPU")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument(
        "--expensive-below-gain", type=float, default=ForecastConfig().expensive_below_gain
    )
    args = parser.parse_args()
    mix = tuple(float(x) for x in args.mix.split(","))
    rng = np.random.default_rng(args.seed)
    t0 = time.perf_counter()
    full = demand.catalogue(rng, args.skus, 365 * args.years + 7 * args.horizon, mix)  # type: ignore[arg-type]
    futures = [demand.held_out(s.units, args.horizon) for s in full]
    series = [DailySeries(s.key, s.start, h) for s, (h, _) in zip(full, futures, strict=True)]
    print(
        f"generated {len(series)} series x {365 * args.years} days in "
        f"{time.perf_counter() - t0:.1f} s (mix fast,slow,intermittent = {args.mix})"
    )
    config = ForecastConfig(
        horizon_weeks=args.horizon,
        workers=args.workers,
        expensive_below_gain=args.expensive_below_gain,
    )
    with PeakRss() as rss:
        cpu0, t0 = cpu_seconds(), time.perf_counter()
        forecasts = forecast_many(series, config)
        elapsed, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
    print(
        f"elapsed {elapsed:.1f} s, {len(series) / elapsed:.0f} series/s; CPU {cpu:.1f} s; "
        f"peak RSS {rss.peak / 2**20:.0f} MiB; workers {config.workers or psutil.cpu_count()}"
        " (CPU and RSS: this process and its workers)"
    )
    summary(forecasts, futures)


if __name__ == "__main__":
    main()
