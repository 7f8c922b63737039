"""The candidate models per demand class, each a function from a history to a weekly mean.

Weekly classes (``FAST``, ``SLOW``) are fitted on weekly sums:

- with a yearly season (two years before the earliest backtest origin): the cheap
  ``SeasonalNaive(52)`` (also the baseline) and ``LogFourier(52)``: least squares of
  ``log1p(units)`` on a linear trend and ``HARMONICS`` sine/cosine pairs of the year,
  back-transformed with the log-normal mean; then ``MSTL(52)`` (statsforecast's STL
  decomposition with a damped-trend ``AutoETS`` on the seasonally adjusted series).
  statsforecast offers Fourier regressors only through ARIMA with exogenous columns, which
  costs about 300 ms a fit here, against well under 1 ms for ``numpy.linalg.lstsq``;
  statsforecast 2.1's ``AutoETS``/``AutoTheta`` with ``season_length=52`` are left out:
  on 30 synthetic weekly series (about 140 units a week, yearly sine, trend) their MASE was
  1.23 and 1.64 times seasonal naive's, against 0.74 for ``MSTL`` and 0.49 for
  ``LogFourier``, and ``AutoETS(52)`` costs about 150 ms a fit;
- without: ``Naive`` (the baseline), ``Theta`` (non-seasonal), and ``AutoETS``
  (non-seasonal, model chosen by AICc), which costs more.

The expensive candidates (``MSTL(52)`` about 10 ms a fit, ``AutoETS`` about 7 ms, against
under 1 ms for the others) are backtested only where the cheap ones leave room: see
``ForecastConfig.expensive_below_gain``.

``INTERMITTENT`` series are fitted on daily units with ``CrostonSBA``, ``ADIDA`` and
``IMAPA`` (well under 1 ms each), whose flat daily rate is summed to weeks. ``SHORT``
series get ``HistoricAverage`` of the weekly sums and no backtest.

Every forecast is clipped at 0: demand is never negative.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from hub.forecasting.deps import statsforecast_models
from hub.forecasting.types import DemandClass

WEEKS_PER_YEAR = 365.25 / 7
HARMONICS = 3

#: (history, steps ahead) -> mean forecast, at the candidate's own grain.
Predict = Callable[[np.ndarray, int], np.ndarray]


class Candidate(NamedTuple):
    name: str
    predict: Predict
    daily: bool = False  # fitted on daily units, summed to weeks


def log_fourier(y: np.ndarray, h: int, harmonics: int = HARMONICS) -> np.ndarray:
    """Trend and yearly Fourier terms fitted to ``log1p(y)`` by least squares."""
    n = y.size
    t = np.arange(n + h, dtype=np.float64)
    cols = [np.ones_like(t), t / n]
    for k in range(1, harmonics + 1):
        angle = 2.0 * np.pi * k * t / WEEKS_PER_YEAR
        cols += [np.sin(angle), np.cos(angle)]
    design = np.column_stack(cols)
    z = np.log1p(y)
    beta, *_ = np.linalg.lstsq(design[:n], z, rcond=None)
    resid = z - design[:n] @ beta
    var = float(resid @ resid) / max(n - design.shape[1], 1)
    return np.expm1(design[n:] @ beta + var / 2.0)


def _statsforecast(model: Any) -> Predict:
    def predict(y: np.ndarray, h: int) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.asarray(model.forecast(y=y, h=h)["mean"], dtype=np.float64)

    return predict


@functools.cache
def _catalogue() -> dict[str, Candidate]:
    sf = statsforecast_models()
    trend = sf.AutoETS(model="AAN", damped=True)
    weekly = {
        "SeasonalNaive(52)": sf.SeasonalNaive(season_length=52),
        "MSTL(52)": sf.MSTL(season_length=52, trend_forecaster=trend),
        "Naive": sf.Naive(),
        "AutoETS": sf.AutoETS(model="ZZN"),
        "Theta": sf.Theta(),
        "HistoricAverage": sf.HistoricAverage(),
    }
    daily = {"CrostonSBA": sf.CrostonSBA(), "ADIDA": sf.ADIDA(), "IMAPA": sf.IMAPA()}
    out = {name: Candidate(name, _statsforecast(m)) for name, m in weekly.items()}
    out |= {name: Candidate(name, _statsforecast(m), daily=True) for name, m in daily.items()}
    out["LogFourier(52)"] = Candidate("LogFourier(52)", log_fourier)
    return out


def baseline(yearly: bool) -> Candidate:
    """Seasonal naive: last year's week with a yearly season, else last week."""
    return _catalogue()["SeasonalNaive(52)" if yearly else "Naive"]


def candidates(demand: DemandClass, yearly: bool) -> tuple[list[Candidate], list[Candidate]]:
    """The models the backtest chooses from for one series: the cheap ones, always fitted,
    and the expensive ones, fitted only when the cheap ones do not beat the baseline by
    ``ForecastConfig.expensive_below_gain``."""
    cat = _catalogue()
    if demand is DemandClass.INTERMITTENT:
        cheap, dear = ["CrostonSBA", "ADIDA", "IMAPA"], []
    elif demand is DemandClass.SHORT:
        cheap, dear = ["HistoricAverage"], []
    elif yearly:
        cheap, dear = ["SeasonalNaive(52)", "LogFourier(52)"], ["MSTL(52)"]
    else:
        cheap, dear = ["Naive", "Theta"], ["AutoETS"]
    return [cat[n] for n in cheap], [cat[n] for n in dear]


def weekly_mean(cand: Candidate, daily: np.ndarray, weekly: np.ndarray, h: int) -> np.ndarray:
    """``h`` weeks of forecast from whole-week history (daily units and their weekly sums)."""
    if cand.daily:
        mean = cand.predict(daily, 7 * h).reshape(h, 7).sum(axis=1)
    else:
        mean = cand.predict(weekly, h)
    return np.clip(np.nan_to_num(mean), 0.0, None)
