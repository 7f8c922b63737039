"""A channel that holds back below N days of cover shows 0 once the pooled stock covers
fewer days of the SKU's forecast demand, and the terms say why."""

from __future__ import annotations

import pytest

from hub.domain.ats import ChannelRules, LocationFigures, channel_ats
from hub.domain.settings import SettingsError, hub_settings

LEVELS = [LocationFigures("main", 12, 2, 1), LocationFigures("tpl", 4, 0, 0)]  # pooled 13


def test_below_the_cover_the_channel_sees_nothing() -> None:
    rules = ChannelRules(buffer=1, hold_back_below_days=7)
    # 13 pooled units / 2 a day = 6.5 days < 7: held back
    got = channel_ats("amazon-de", LEVELS, rules, demand_per_day=2)
    assert got.ats == 0
    assert got.terms[-1].term == "hold back: 6.5 days of cover < 7" and got.terms[-1].value == -12
    assert sum(t.value for t in got.terms) == 0
    # 13 / 1.5 = 8.7 days: enough
    assert channel_ats("amazon-de", LEVELS, rules, demand_per_day=1.5).ats == 12
    # no forecast (or no demand): nothing to measure the cover by, nothing held back
    assert channel_ats("amazon-de", LEVELS, rules).ats == 12
    assert channel_ats("amazon-de", LEVELS, rules, demand_per_day=0).ats == 12
    assert channel_ats("web", LEVELS, ChannelRules(), demand_per_day=100).ats == 13


def test_the_setting_is_read_and_checked() -> None:
    rules = hub_settings({"hold_back_below_days_of_cover": 5}).rules()
    assert rules.hold_back_below_days == 5
    with pytest.raises(SettingsError, match="hold_back_below_days_of_cover"):
        hub_settings({"hold_back_below_days_of_cover": -1})
