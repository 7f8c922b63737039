"""Synthetic daily demand with known structure, for the forecasting tests and bench.

Every generator takes a ``numpy.random.Generator`` so a fixed seed gives the same history.
Seasonal series are Poisson counts around ``level * trend * yearly * day_of_week`` with a
multiplicative log-normal wobble; the yearly shape is a sine or a peak (a bump of a few
weeks, like a Christmas season). Intermittent series sell on a given share of days.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from hub.forecasting import DailySeries

DOW = np.array([0.8, 0.9, 1.0, 1.0, 1.1, 1.5, 0.7])  # Monday .. Sunday
START = date(2022, 1, 3)  # a Monday


def yearly_shape(rng: np.random.Generator, days: int, amplitude: float, peak: bool) -> np.ndarray:
    """A yearly multiplier around 1: a sine, or a peak some weeks wide at a random date."""
    t = np.arange(days)
    phase = rng.uniform(0, 2 * np.pi)
    if not peak:
        return 1 + amplitude * np.sin(2 * np.pi * t / 365.25 + phase)
    centre = rng.uniform(0, 365.25)
    dist = np.abs((t - centre + 182.6) % 365.25 - 182.6)
    return 1 + 3 * amplitude * np.exp(-0.5 * (dist / rng.uniform(10, 25)) ** 2)


def seasonal(
    rng: np.random.Generator,
    days: int,
    level: float,
    *,
    amplitude: float = 0.4,
    growth: float = 0.2,
    noise: float = 0.15,
    peak: bool = False,
) -> np.ndarray:
    """Daily units with a day-of-week pattern, a yearly season, a trend and noise.

    ``growth`` is the relative change per year (0.2: 20 % more each year).
    """
    t = np.arange(days)
    dow = DOW / DOW.mean()
    lam = level * (1 + growth * t / 365.25) * yearly_shape(rng, days, amplitude, peak)
    lam = lam * dow[(START.weekday() + t) % 7] * np.exp(rng.normal(0, noise, days))
    return rng.poisson(np.clip(lam, 0, None)).astype(np.float64)


def intermittent(
    rng: np.random.Generator, days: int, zero_share: float = 0.7, size: float = 2.0
) -> np.ndarray:
    """Sales on ``1 - zero_share`` of the days, 1 + Poisson(size - 1) units each time."""
    sells = rng.random(days) >= zero_share
    return (sells * (1 + rng.poisson(size - 1, days))).astype(np.float64)


def catalogue(
    rng: np.random.Generator, n: int, days: int, mix: tuple[float, float, float]
) -> list[DailySeries]:
    """``n`` SKUs: shares ``mix`` of fast (20-200 a day), slow (1-6) and intermittent."""
    kinds = rng.choice(3, size=n, p=np.asarray(mix) / sum(mix))
    out = []
    for i, kind in enumerate(kinds):
        peak = bool(rng.random() < 0.3)
        amp = rng.uniform(0.1, 0.5)
        growth = rng.uniform(-0.2, 0.4)
        if kind == 0:
            units = seasonal(
                rng, days, rng.uniform(20, 200), amplitude=amp, growth=growth, peak=peak
            )
        elif kind == 1:
            units = seasonal(rng, days, rng.uniform(1, 6), amplitude=amp, growth=growth, peak=peak)
        else:
            units = intermittent(rng, days, rng.uniform(0.55, 0.95), rng.uniform(1, 4))
        out.append(DailySeries(f"SKU-{i:05d}", START, units))
    return out


def held_out(units: np.ndarray, weeks: int) -> tuple[np.ndarray, np.ndarray]:
    """The history without its last ``weeks`` weeks, and those weeks' sums."""
    cut = units.size - 7 * weeks
    return units[:cut], units[cut:].reshape(weeks, 7).sum(axis=1)


def end_of(series: DailySeries) -> date:
    return series.start + timedelta(days=len(series.units))
