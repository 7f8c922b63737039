"""The one place that imports statsforecast, the optional ``forecast`` dependency group.

Everything in ``hub.forecasting`` that fits a model goes through ``require_statsforecast``,
so a hub installed without the group says what to install instead of failing on an import.
"""

from __future__ import annotations

import importlib
from types import ModuleType

INSTALL_HINT = (
    "forecasting needs the optional statsforecast package: install hub[forecast] "
    "(pip install 'hub[forecast]')"
)


class ForecastUnavailable(RuntimeError):
    """statsforecast is not installed; the message says to install ``hub[forecast]``."""


def require_statsforecast() -> ModuleType:
    """Return ``statsforecast.models``, or raise ``ForecastUnavailable`` with the hint."""
    try:
        return importlib.import_module("statsforecast.models")
    except ImportError as exc:
        raise ForecastUnavailable(INSTALL_HINT) from exc
