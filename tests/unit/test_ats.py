"""Available to sell per channel: the arithmetic, its terms, and the rules read from settings."""

from __future__ import annotations

import pytest

from hub.domain.ats import (
    FLOOR,
    ChannelAts,
    ChannelRules,
    LocationFigures,
    Term,
    channel_ats,
    serves,
)
from hub.domain.settings import hub_settings

L = LocationFigures


def ats(levels: list[LocationFigures], **rules: object) -> ChannelAts:
    got = channel_ats("web", levels, ChannelRules(**rules))  # type: ignore[arg-type]
    assert sum(t.value for t in got.terms) == got.ats  # the terms always explain the figure
    assert got.ats >= 0
    return got


def test_on_hand_less_reserved_less_safety_stock_summed_over_locations() -> None:
    got = ats([L("main", 12, 3, 2), L("tpl", 4, 0, 0)])
    assert got.ats == 11
    assert got.terms[:3] == [
        Term("on_hand", 12, "main"),
        Term("reserved", -3, "main"),
        Term("safety_stock", -2, "main"),
    ]


def test_only_the_locations_that_serve_the_channel_count() -> None:
    levels = [L("main", 12, 0), L("store-1", 5, 0)]
    got = ats(levels, locations=frozenset({"store-1", "elsewhere"}))
    assert got.ats == 5
    assert {t.location for t in got.terms} == {"store-1"}
    assert ats(levels, locations=frozenset()).ats == 0


def test_an_oversold_location_does_not_eat_another_locations_stock() -> None:
    got = ats([L("main", 2, 5, 1), L("tpl", 4, 0)])
    assert got.ats == 4
    assert Term(FLOOR, 4, "main") in got.terms


def test_buffer_and_clamping_at_zero() -> None:
    assert ats([L("main", 5, 0)], buffer=2).ats == 3
    got = ats([L("main", 5, 1)], buffer=7)
    assert got.ats == 0
    assert got.terms[-2:] == [Term("buffer", -7), Term(FLOOR, 3)]


def test_share_is_floored_and_applied_after_the_buffer() -> None:
    got = ats([L("main", 8, 0)], buffer=1, share=50)
    assert got.ats == 3  # floor(7 * 50%)
    assert got.terms[-1] == Term("share 50%", -4)
    assert ats([L("main", 8, 0)], share=100).ats == 8
    assert ats([L("main", 8, 0)], share=0).ats == 0


def test_cap() -> None:
    got = ats([L("main", 12, 0)], cap=10)
    assert (got.ats, got.terms[-1]) == (10, Term("cap 10", -2))
    got = ats([L("main", 4, 0)], cap=10)
    assert (got.ats, got.terms[-1]) == (4, Term("cap 10", 0))  # shown, but did not bind
    assert ats([L("main", 40, 0)], share=50, cap=15).ats == 15


def test_scarce_stock_is_kept_for_the_web_shop() -> None:
    levels = [L("main", 5, 1, 1), L("store-1", 2, 0, 0)]
    web = channel_ats("web", levels, ChannelRules())
    marketplace = channel_ats(
        "amazon", levels, ChannelRules(locations=frozenset({"main"}), buffer=2, share=50)
    )
    assert (web.ats, marketplace.ats) == (5, 0)  # main's 3, less 2 held back, half of 1 is 0
    plenty = [L("main", 41, 1, 0)]
    assert channel_ats("amazon", plenty, marketplace_rules()).ats == 19  # floor(38 * 50%)


def marketplace_rules() -> ChannelRules:
    return hub_settings({"stock_locations": ["main"], "stock_buffer": 2, "stock_share": 50}).rules()


def test_rules_from_settings() -> None:
    assert hub_settings({"stock_policy": "backorder"}).rules() == ChannelRules()
    assert marketplace_rules() == ChannelRules(locations=frozenset({"main"}), buffer=2, share=50)
    assert hub_settings({"stock_cap": 3}).rules().cap == 3
    assert serves(ChannelRules()) and not serves(hub_settings({"stock_locations": []}).rules())


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"stock_share": 101}, "stock_share"),
        ({"stock_buffer": -1}, "stock_buffer"),
        ({"stock_cap": "ten"}, "stock_cap"),
        ({"stock_locations": "main"}, "stock_locations"),
    ],
)
def test_bad_settings_name_the_key(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        hub_settings(settings).rules()
