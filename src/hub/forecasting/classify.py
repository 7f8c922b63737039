"""Weekly buckets and the demand class of a series, decided before any model is fitted.

The history is cut into seven-day blocks counted back from its last day (a leading partial
week is dropped), so weekly sums and the backtest origins line up with the forecast weeks.
The class then decides which candidates are worth fitting (see ``hub.forecasting.models``):

- ``NONE``: nothing sold at all;
- ``SHORT``: fewer weeks than the backtest needs (``min_train_weeks`` before the earliest
  origin, plus the origins and the horizon);
- ``INTERMITTENT``: at least ``intermittent_zero_share`` of the last 364 days sold nothing;
- ``FAST``: at least ``fast_units_per_day`` over the last 12 weeks and at most
  ``fast_max_zero_share`` zero days: weekly models plus a daily path;
- ``SLOW``: the rest, weekly models only.
"""

from __future__ import annotations

import numpy as np

from hub.forecasting.types import DemandClass, ForecastConfig


def whole_weeks(units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The history trimmed to whole weeks from its end, and the weekly sums."""
    daily = np.asarray(units, dtype=np.float64)
    daily = np.clip(np.nan_to_num(daily[len(daily) % 7 :]), 0.0, None)
    return daily, daily.reshape(-1, 7).sum(axis=1)


def backtest_weeks(config: ForecastConfig) -> int:
    """Weeks from the earliest backtest origin to the end of the history."""
    return config.horizon_weeks + (config.origins - 1) * config.origin_step_weeks


def has_yearly_season(n_weeks: int, config: ForecastConfig) -> bool:
    """Two years before the earliest origin, so every backtest fit sees two seasons."""
    return n_weeks - backtest_weeks(config) >= config.yearly_min_weeks


def classify(daily: np.ndarray, config: ForecastConfig) -> DemandClass:
    """The demand class of whole-week daily units (see the module docstring)."""
    if not daily.size or daily.sum() <= 0:
        return DemandClass.NONE
    if daily.size // 7 - backtest_weeks(config) < config.min_train_weeks:
        return DemandClass.SHORT
    zero_share = float(np.mean(daily[-364:] == 0))
    if zero_share >= config.intermittent_zero_share:
        return DemandClass.INTERMITTENT
    recent = float(daily[-84:].mean())
    if recent >= config.fast_units_per_day and zero_share <= config.fast_max_zero_share:
        return DemandClass.FAST
    return DemandClass.SLOW
