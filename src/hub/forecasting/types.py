"""The forecasting package's inputs and outputs: plain msgspec Structs, no statsforecast.

A caller hands in ``DailySeries`` (one array of daily units per SKU, or SKU x channel, with
the date of its first day) and a ``ForecastConfig``, and gets one ``Forecast`` per series:
the demand class, the chosen model, a weekly ``Path`` (and a daily one for fast movers) with
80 % and 95 % intervals, the backtest ``Accuracy`` against the seasonal naive baseline, and
the two figures replenishment needs (mean demand per day, forecast error per day).

Weeks are seven-day blocks counted back from the last day of the history, so the first
forecast week starts the day after it. Feed history up to a Sunday to get ISO weeks.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import msgspec

if TYPE_CHECKING:  # numpy comes with the optional forecast group; never decoded, only passed
    import numpy as np

PositiveInt = Annotated[int, msgspec.Meta(ge=1)]
Share = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]


class DemandClass(StrEnum):
    """How a series is forecast; see ``hub.forecasting.classify``."""

    FAST = "fast"  # sells most days, many units: weekly models and a daily path
    SLOW = "slow"  # sells most weeks: weekly models
    INTERMITTENT = "intermittent"  # many zero days: Croston-type models on daily data
    SHORT = "short"  # too little history to backtest: historic average, no accuracy
    NONE = "none"  # nothing sold in the history: a forecast of zero


class DailySeries(msgspec.Struct, frozen=True):
    """Units sold per day, one value per day from ``start``, no gaps (0 for no sale).

    ``units`` is a 1-D numpy array (any numeric dtype); ``key`` is opaque to this package
    (e.g. ``"TEE-BLK-M"`` or ``"TEE-BLK-M|shopify-eu"``) and comes back on the forecast.
    """

    key: str
    start: date
    units: np.ndarray


class ForecastConfig(msgspec.Struct, frozen=True, kw_only=True):
    """Knobs of a forecast run; the defaults are the issue's (12 weeks, 80 % and 95 %)."""

    horizon_weeks: PositiveInt = 12
    #: rolling-origin backtest: this many origins, ``origin_step_weeks`` apart, each
    #: forecasting ``horizon_weeks`` ahead; the last origin is ``horizon_weeks`` before the end.
    origins: PositiveInt = 3
    origin_step_weeks: PositiveInt = 6
    #: a yearly season needs two full years before the earliest backtest origin.
    yearly_min_weeks: PositiveInt = 104
    #: the earliest origin needs this many weeks of training, or the series is SHORT.
    min_train_weeks: PositiveInt = 13
    #: at least this share of zero days (over the last year) makes a series intermittent.
    intermittent_zero_share: Share = 0.5
    #: at least this many units per day (last 12 weeks) and few zero days make a fast mover.
    fast_units_per_day: float = 10.0
    fast_max_zero_share: Share = 0.1
    #: the expensive candidates (MSTL, AutoETS) are backtested only when the best cheap one
    #: beats the baseline's MASE by less than this share (1.0: always; 0.0: never).
    expensive_below_gain: Share = 0.25
    #: worker processes for ``forecast_many``; 0 means one per CPU, 1 runs in this process.
    workers: int = 0
    chunk_size: PositiveInt = 250


class Path(msgspec.Struct, frozen=True):
    """A forecast at one grain: ``step_days`` 7 (weeks) or 1 (days) from ``start``."""

    start: date
    step_days: int
    mean: list[float]
    lo80: list[float]
    hi80: list[float]
    lo95: list[float]
    hi95: list[float]


class Accuracy(msgspec.Struct, frozen=True):
    """Rolling-origin backtest of the chosen model, in weekly buckets.

    ``mase``: mean absolute error over every backtest point divided by the in-sample mean
    absolute error of the seasonal naive forecast (lag 52 weeks with a yearly season, else
    lag 1) on the history before the earliest origin. ``bias``: sum(forecast - actual) /
    sum(actual), positive when the model forecasts too much. ``baseline_mase``: the same
    MASE for the seasonal naive baseline, so ``beats_baseline`` is ``mase < baseline_mase``.
    ``rmse_week``: root mean squared error per week, in units.
    """

    mase: float
    bias: float
    baseline: str
    baseline_mase: float
    beats_baseline: bool
    rmse_week: float
    origins: int
    points: int


class Forecast(msgspec.Struct, frozen=True):
    """One series' forecast. ``accuracy`` is None when the history was too short.

    ``demand_per_day`` is the mean of the forecast over the horizon, per day;
    ``error_per_day`` is the backtest ``rmse_week / sqrt(7)`` (the standard deviation of one
    day's forecast error, days taken as independent), which is what the replenishment
    arithmetic (``hub.domain.replenishment``) scales to a lead time.
    """

    key: str
    demand: DemandClass
    model: str
    weekly: Path
    daily: Path | None
    accuracy: Accuracy | None
    demand_per_day: float
    error_per_day: float
    candidates: dict[str, float] = {}
