"""The one place that imports statsforecast, the optional ``forecast`` dependency group.

Every entry point of ``hub.forecasting`` calls ``require_statsforecast`` first (a cheap
check that imports nothing), and the models come from ``statsforecast_models``, so a hub
installed without the group says what to install instead of failing on an import.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

INSTALL_HINT = (
    "forecasting needs the optional statsforecast package: install hub[forecast] "
    "(pip install 'hub[forecast]')"
)


class ForecastUnavailable(RuntimeError):
    """statsforecast is not installed; the message says to install ``hub[forecast]``."""


def require_statsforecast() -> None:
    """Raise ``ForecastUnavailable`` (install ``hub[forecast]``) unless statsforecast is there.

    It only looks the package up: a process that hands the work to workers does not pay
    for importing statsforecast (pandas, scipy, statsmodels).
    """
    if importlib.util.find_spec("statsforecast") is None:
        raise ForecastUnavailable(INSTALL_HINT)


def statsforecast_models() -> ModuleType:
    """``statsforecast.models``, or ``ForecastUnavailable`` with the install hint."""
    require_statsforecast()
    try:
        return importlib.import_module("statsforecast.models")
    except ImportError as exc:
        raise ForecastUnavailable(INSTALL_HINT) from exc
