"""The nightly forecast's settings: read from the environment, checked with a message that
names the variable and the bound."""

from __future__ import annotations

import pytest

from hub.config import ConfigError, load


def test_nightly_forecast_settings() -> None:
    assert (load({}).forecast_nightly, load({}).forecast_hour_utc) == (True, 2)
    got = load({"HUB_FORECAST_NIGHTLY": "false", "HUB_FORECAST_HOUR_UTC": "0"})
    assert (got.forecast_nightly, got.forecast_hour_utc) == (False, 0)
    for env, message in (
        ({"HUB_FORECAST_HOUR_UTC": "24"}, "HUB_FORECAST_HOUR_UTC: must be at most 23"),
        ({"HUB_FORECAST_HOUR_UTC": "-1"}, "HUB_FORECAST_HOUR_UTC: must be at least 0"),
        ({"HUB_FORECAST_NIGHTLY": "maybe"}, "HUB_FORECAST_NIGHTLY: must be true or false"),
    ):
        with pytest.raises(ConfigError, match=f"^{message}$"):
            load(env)
