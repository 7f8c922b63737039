"""Sales forecasts from daily units: model chosen per series by backtest, with intervals.

Pure computation on numpy arrays (no database, no I/O); statsforecast comes from the
optional ``forecast`` dependency group, and without it ``forecast_many`` and
``forecast_series`` raise ``ForecastUnavailable`` saying to install ``hub[forecast]``.

    from hub.forecasting import DailySeries, ForecastConfig, forecast_many
    forecasts = forecast_many([DailySeries("TEE-BLK-M", date(2023, 1, 2), units)])

Method: ``classify`` (demand class), ``models`` (candidates), ``backtest`` (rolling-origin
choice, MASE and bias against seasonal naive, empirical intervals), ``engine`` (the run).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.forecasting.deps import INSTALL_HINT, ForecastUnavailable, require_statsforecast
from hub.forecasting.types import (
    Accuracy,
    DailySeries,
    DemandClass,
    Forecast,
    ForecastConfig,
    Path,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

__all__ = [
    "INSTALL_HINT",
    "Accuracy",
    "DailySeries",
    "DemandClass",
    "Forecast",
    "ForecastConfig",
    "ForecastUnavailable",
    "Path",
    "forecast_many",
    "forecast_series",
    "require_statsforecast",
]


def forecast_series(series: DailySeries, config: ForecastConfig | None = None) -> Forecast:
    """Forecast one series; see ``hub.forecasting.engine``."""
    require_statsforecast()
    from hub.forecasting import engine  # numpy and statsforecast: the optional group

    return engine.forecast_series(series, config)


def forecast_many(
    series: Iterable[DailySeries],
    config: ForecastConfig | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[Forecast]:
    """Forecast many series over worker processes; see ``hub.forecasting.engine``."""
    require_statsforecast()
    from hub.forecasting import engine  # numpy and statsforecast: the optional group

    return engine.forecast_many(series, config, on_progress)
