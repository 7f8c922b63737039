"""The routing rules engine, case by case: conditions, strategies, no-route reasons, file
errors and carrier choice; and one property: a routed decision allocates exactly the order,
never more than the stock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.domain.order import OrderData
from hub.domain.routing import (
    Decision,
    RouteLine,
    RouteOrder,
    RulesError,
    RuleSet,
    Site,
    carrier_for,
    choose_carrier,
    route,
    route_order_from,
)
from hub.services.routing.rules_source import load_rules

NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "routing.yaml"

SITES = [
    Site("nj", 10, country="US", region="NJ"),
    Site("il", 20, "3pl", country="US", region="IL"),
    Site("ca", 30, country="US", region="CA"),
    Site("de", 40, country="DE", region="BY"),
]


def order(*lines: tuple[str, int], **changes: Any) -> RouteOrder:
    values: dict[str, Any] = {
        "channel": "web",
        "country": "US",
        "region": "IL",
        "total": 5000,
        "currency": "USD",
        "lines": [RouteLine(sku, qty, str(i + 1)) for i, (sku, qty) in enumerate(lines)],
    }
    values.update(changes)
    return RouteOrder(**values)


def rules(text: str) -> RuleSet:
    return load_rules(text, source="routing.yaml")


def one_rule(when: str = "{}", strategy: str = "{}") -> RuleSet:
    return rules(f"rules:\n  - name: r\n    when: {when}\n    strategy: {strategy}\n")


def placed(decision: Decision) -> dict[str, list[tuple[str, int, str | None]]]:
    return {
        a.location: [(ln.sku, ln.quantity, ln.line_id) for ln in a.lines]
        for a in decision.allocations
    }


# --- conditions -----------------------------------------------------------------------------

PLENTY = {(sku, s.code): 100 for sku in ("A", "B", "CBL-1", "CHG-1") for s in SITES}

CONDITIONS = [
    # (when, order changes, matches)
    ("{channel: [web, pos]}", {}, True),
    ("{channel: amazon-us}", {}, False),
    ("{country: [us]}", {}, True),  # country codes compare upper case
    ("{country: [DE]}", {}, False),
    ("{country: [US]}", {"country": None}, False),
    ("{region: [IL, IN]}", {}, True),
    ("{region: [OH]}", {}, False),
    ("{sku: ['CBL-*']}", {"lines": [RouteLine("A", 1), RouteLine("CBL-1", 1)]}, True),
    ("{sku: ['CBL-*', 'X?']}", {}, False),
    ("{tag: [vip]}", {"tags": ["gift", "vip"]}, True),
    ("{tag: [vip]}", {"tags": ["gift"]}, False),
    ("{order_value: {min: 5000, max: 100000, currency: USD}}", {}, True),
    ("{order_value: {min: 5001}}", {}, False),
    ("{order_value: {max: 4999}}", {}, False),
    ("{order_value: {min: 100, currency: EUR}}", {}, False),
    ("{service_level: [expedited, next_day]}", {"service_level": "next_day"}, True),
    ("{service_level: [expedited]}", {"service_level": "standard"}, False),
    ("{service_level: [expedited]}", {}, False),
    ("{ship_by_within_hours: 24}", {"ship_by": NOW + timedelta(hours=24)}, True),
    ("{ship_by_within_hours: 24}", {"ship_by": NOW - timedelta(hours=2)}, True),  # overdue
    ("{ship_by_within_hours: 24}", {"ship_by": NOW + timedelta(hours=24, seconds=1)}, False),
    ("{ship_by_within_hours: 24}", {}, False),
    ("{ship_by_within_hours: 1.5}", {"ship_by": NOW + timedelta(minutes=90)}, True),
    ("{channel: web, country: US, tag: [vip]}", {}, False),  # every condition must hold
]


@pytest.mark.parametrize(("when", "changes", "matches"), CONDITIONS)
def test_each_condition_matches_or_not(when: str, changes: dict[str, Any], matches: bool) -> None:
    ruleset = one_rule(when=when)
    decision = route(order(("A", 1), **changes), ruleset, SITES, PLENTY, now=NOW)
    assert decision.routed is matches
    assert decision.rule == ("r" if matches else None)
    if not matches:
        assert decision.reason == "no rule matches"


def test_route_order_from_a_canonical_order() -> None:
    raw = (Path(__file__).resolve().parents[1] / "fixtures" / "order_minimal.json").read_bytes()
    data = msgspec.json.decode(raw, type=OrderData)
    data = msgspec.structs.replace(
        data,
        channel="shop-eu",
        tags=["vip"],
        ship_by=NOW,
        shipping=msgspec.structs.replace(data.shipping, service_level="next_day"),
    )
    got = route_order_from(data)
    assert got == RouteOrder(
        channel="shop-eu",
        country="GB",
        region=None,
        total=3500,
        currency="EUR",
        service_level="next_day",
        ship_by=NOW,
        tags=["vip"],
        lines=[RouteLine("BOOK-NOTES", 3, "1")],
    )


# --- strategies -----------------------------------------------------------------------------


def test_ship_complete_preferred_takes_the_first_site_that_has_everything() -> None:
    stock = {("A", "nj"): 2, ("A", "il"): 5, ("B", "il"): 1, ("B", "ca"): 9, ("A", "ca"): 9}
    decision = route(order(("A", 3), ("B", 1)), one_rule(), SITES, stock, now=NOW)
    assert placed(decision) == {"il": [("A", 3, "1"), ("B", 1, "2")]}
    assert decision.reason == "rule r: ship complete from il"
    assert decision.splits == 1


def test_ship_complete_preferred_splits_when_no_site_has_everything() -> None:
    stock = {("A", "nj"): 3, ("B", "ca"): 1}
    decision = route(order(("A", 3), ("B", 1)), one_rule(), SITES, stock, now=NOW)
    assert placed(decision) == {"nj": [("A", 3, "1")], "ca": [("B", 1, "2")]}
    assert decision.reason == "rule r: split over 2 locations (nj, ca)"


def test_ship_complete_required_does_not_split() -> None:
    stock = {("A", "nj"): 3, ("B", "ca"): 1}
    ruleset = one_rule(strategy="{ship_complete: required}")
    decision = route(order(("A", 3), ("B", 1)), ruleset, SITES, stock, now=NOW)
    assert not decision.routed
    assert decision.reason == "r: no candidate location has all 2 lines (ship complete required)"
    stock[("B", "nj")] = 1
    assert placed(route(order(("A", 3), ("B", 1)), ruleset, SITES, stock, now=NOW)) == {
        "nj": [("A", 3, "1"), ("B", 1, "2")]
    }


def test_split_false_names_the_sku_no_site_has() -> None:
    stock = {("A", "nj"): 1, ("A", "ca"): 1}
    ruleset = one_rule(strategy="{split: false}")
    decision = route(order(("A", 2)), ruleset, SITES, stock, now=NOW)
    assert decision.reason == "r: no candidate location has A x2 (split not allowed)"


def test_greedy_split_takes_the_site_covering_most_units_first() -> None:
    # nj (first by priority) covers 1 unit, ca covers 5: ca first, then nj.
    stock = {("A", "nj"): 1, ("B", "ca"): 5, ("A", "de"): 1}
    decision = route(order(("A", 1), ("B", 5)), one_rule(), SITES, stock, now=NOW)
    assert [a.location for a in decision.allocations] == ["ca", "nj"]


def test_max_splits_is_honoured() -> None:
    stock = {("A", "nj"): 1, ("B", "il"): 1, ("C", "ca"): 1}
    lines = (("A", 1), ("B", 1), ("C", 1))
    two = route(order(*lines), one_rule(strategy="{max_splits: 2}"), SITES, stock, now=NOW)
    assert not two.routed
    assert two.reason == "r: cannot ship within 2 locations (C x1 left)"
    three = route(order(*lines), one_rule(strategy="{max_splits: 3}"), SITES, stock, now=NOW)
    assert placed(three) == {"nj": [("A", 1, "1")], "il": [("B", 1, "2")], "ca": [("C", 1, "3")]}


def test_split_lines_lets_one_line_come_from_two_sites() -> None:
    stock = {("A", "nj"): 2, ("A", "il"): 3}
    whole = route(order(("A", 4)), one_rule(), SITES, stock, now=NOW)
    assert not whole.routed
    assert whole.reason == "r: no one location has A x4 whole (split_lines false)"
    parts = route(order(("A", 4)), one_rule(strategy="{split_lines: true}"), SITES, stock, now=NOW)
    assert placed(parts) == {"il": [("A", 3, "1")], "nj": [("A", 1, "1")]}


def test_ship_complete_no_takes_lines_from_sites_in_order() -> None:
    # il could ship everything, but nj comes first and has A.
    stock = {("A", "nj"): 1, ("A", "il"): 1, ("B", "il"): 1}
    ruleset = one_rule(strategy="{ship_complete: 'no'}")
    decision = route(order(("A", 1), ("B", 1)), ruleset, SITES, stock, now=NOW)
    assert placed(decision) == {"nj": [("A", 1, "1")], "il": [("B", 1, "2")]}
    # with max_splits 1 that would be too many: the consolidating split is used instead
    ruleset = one_rule(strategy="{ship_complete: 'no', max_splits: 1}")
    decision = route(order(("A", 1), ("B", 1)), ruleset, SITES, stock, now=NOW)
    assert placed(decision) == {"il": [("A", 1, "1"), ("B", 1, "2")]}


def test_nearest_puts_same_region_then_same_country_first() -> None:
    stock = {("A", s.code): 1 for s in SITES}
    ruleset = one_rule(strategy="{nearest: true}")
    assert placed(route(order(("A", 1)), ruleset, SITES, stock, now=NOW)) == {"il": [("A", 1, "1")]}
    ca = order(("A", 1), region="CA")
    assert placed(route(ca, ruleset, SITES, stock, now=NOW)) == {"ca": [("A", 1, "1")]}
    # same country, no region match: priority order among US sites
    tx = order(("A", 1), region="TX")
    assert placed(route(tx, ruleset, SITES, stock, now=NOW)) == {"nj": [("A", 1, "1")]}
    de = order(("A", 1), country="DE", region=None)
    assert placed(route(de, ruleset, SITES, stock, now=NOW)) == {"de": [("A", 1, "1")]}
    # without nearest, priority wins
    assert placed(route(de, one_rule(), SITES, stock, now=NOW)) == {"nj": [("A", 1, "1")]}


def test_location_list_limits_and_orders_candidates() -> None:
    stock = {("A", s.code): 1 for s in SITES}
    ruleset = one_rule(strategy="{locations: [ca, il, nowhere]}")
    assert placed(route(order(("A", 1)), ruleset, SITES, stock, now=NOW)) == {"ca": [("A", 1, "1")]}
    stock[("A", "ca")] = 0
    assert placed(route(order(("A", 1)), ruleset, SITES, stock, now=NOW)) == {"il": [("A", 1, "1")]}
    stock[("A", "il")] = 0
    decision = route(order(("A", 1)), ruleset, SITES, stock, now=NOW)
    assert decision.reason == "r: short of A by 1"  # nj and de have it, but are not listed
    only_unknown = one_rule(strategy="{locations: [nowhere]}")
    decision = route(order(("A", 1)), only_unknown, SITES, stock, now=NOW)
    assert decision.reason == "r: no candidate location"


def test_every_matching_rule_that_cannot_allocate_is_named() -> None:
    ruleset = rules(
        """
rules:
  - name: fast
    when: {service_level: [next_day]}
    strategy: {locations: [il], ship_complete: required}
  - name: wide
    when: {service_level: [next_day]}
    strategy: {locations: [nj, ca]}
"""
    )
    stock = {("A", "nj"): 1, ("A", "ca"): 1}
    decision = route(order(("A", 2), service_level="next_day"), ruleset, SITES, stock, now=NOW)
    assert decision == Decision(
        None,
        [],
        "fast: no candidate location has A x2 (ship complete required); "
        "wide: no one location has A x2 whole (split_lines false)",
    )


def test_fall_through_routes_with_the_second_rule() -> None:
    ruleset = rules(
        """
rules:
  - name: fast
    when: {service_level: [next_day]}
    strategy: {locations: [il], ship_complete: required}
  - name: wide
    strategy: {locations: [nj, ca], split_lines: true}
"""
    )
    stock = {("A", "nj"): 1, ("A", "ca"): 1}
    decision = route(order(("A", 2), service_level="next_day"), ruleset, SITES, stock, now=NOW)
    assert decision.rule == "wide"
    assert placed(decision) == {"nj": [("A", 1, "1")], "ca": [("A", 1, "1")]}
    assert decision.reason == "rule wide: split over 2 locations (nj, ca)"


def test_no_route_reason_lists_each_matching_rule_and_the_default() -> None:
    ruleset = rules(
        """
rules:
  - name: amazon-prime-fast
    when: {channel: [amazon-us]}
    strategy: {locations: [il], ship_complete: required}
  - name: never
    when: {channel: [pos]}
default:
  strategy: {ship_complete: preferred}
"""
    )
    stock = {("CHG-GAN-65W", "nj"): 1, ("A", "il"): 1}
    amazon = order(("A", 1), ("CHG-GAN-65W", 2), channel="amazon-us")
    decision = route(amazon, ruleset, SITES, stock, now=NOW)
    assert decision == Decision(
        None,
        [],
        "amazon-prime-fast: no candidate location has CHG-GAN-65W x2 (ship complete required); "
        "default: short of CHG-GAN-65W by 1",
    )
    web = route(order(("CHG-GAN-65W", 2)), ruleset, SITES, stock, now=NOW)
    assert web.reason == "no rule matches; default: short of CHG-GAN-65W by 1"


def test_default_strategy_routes_what_no_rule_matches() -> None:
    ruleset = rules("rules: []\ndefault:\n  strategy: {locations: [de]}\n")
    decision = route(order(("A", 1)), ruleset, SITES, {("A", "de"): 1}, now=NOW)
    assert decision.rule == "default"
    assert decision.reason == "default: ship complete from de"


def test_without_default_an_unmatched_order_has_no_route() -> None:
    decision = route(order(("A", 1)), one_rule(when="{tag: [x]}"), SITES, PLENTY, now=NOW)
    assert decision == Decision(None, [], "no rule matches")
    assert not decision.routed and decision.splits == 0


def test_the_worked_example_loads_and_routes() -> None:
    ruleset = load_rules(EXAMPLE.read_text(), source="examples/routing.yaml")
    assert [r.name for r in ruleset.rules] == [
        "amazon-prime-fast",
        "high-value-us",
        "chargers",
        "eu",
        "vip",
    ]
    sites = [
        *SITES,
        Site("shipbob-il", 5, "3pl", "US", "IL"),
        Site("own-nj", 6, "own", "US", "NJ"),
        Site("wh-nl", 50, "own", "NL"),
    ]
    prime = order(
        ("CBL-1", 1),
        channel="amazon-us",
        service_level="next_day",
        ship_by=NOW + timedelta(hours=5),
    )
    decision = route(prime, ruleset, sites, {("CBL-1", "shipbob-il"): 1}, now=NOW)
    assert decision.reason == "rule amazon-prime-fast: ship complete from shipbob-il"
    # Norway stays "NO" (YAML 1.2 booleans only)
    norway = order(("A", 1), country="NO", region=None, currency="NOK")
    decision = route(norway, ruleset, sites, {("A", "wh-nl"): 1}, now=NOW)
    assert decision.reason == "rule eu: ship complete from wh-nl"


# --- the file -------------------------------------------------------------------------------

BAD_FILES = [
    (
        "rules:\n  - {name: a}\n  - {name: b}\n  - name: eu-split\n    strategy: {max_splits: 0}\n",
        "routing.yaml: rules[2] (eu-split).strategy.max_splits: expected an integer >= 1",
    ),
    (
        "rules:\n  - strategy: {ship_complete: maybe}\n",
        "routing.yaml: rules[0].strategy.ship_complete: expected one of required, preferred, no",
    ),
    (
        "rules:\n  - name: x\n    when: {colour: red}\n",
        "routing.yaml: rules[0] (x).when.colour: unknown key; expected one of channel, country, "
        "region, sku, tag, order_value, service_level, ship_by_within_hours",
    ),
    (
        "rules:\n  - name: x\n    when: {order_value: {min: 10.5}}\n",
        "routing.yaml: rules[0] (x).when.order_value.min: expected an integer >= 0",
    ),
    (
        "rules:\n  - name: x\n    when: {order_value: {min: 10, max: 5}}\n",
        "routing.yaml: rules[0] (x).when.order_value.max: 5 is below min 10",
    ),
    (
        "rules:\n  - name: x\n    when: {country: [US, 1]}\n",
        "routing.yaml: rules[0] (x).when.country: expected a string or a non-empty list of strings",
    ),
    (
        "rules:\n  - name: x\n    when: {ship_by_within_hours: 0}\n",
        "routing.yaml: rules[0] (x).when.ship_by_within_hours: expected a number of hours > 0",
    ),
    (
        "rules:\n  - name: x\n    strategy: {nearest: yes}\n",
        "routing.yaml: rules[0] (x).strategy.nearest: expected true or false",
    ),
    (
        "rules:\n  - name: x\n  - name: x\n",
        "routing.yaml: rules[1] (x).name: 'x' is taken",
    ),
    (
        "rules:\n  - name: x\n    carrier: {service_level: {standard: [UPS]}}\n",
        "routing.yaml: rules[0] (x).carrier.service_level.standard[0]: 'UPS' is not "
        "CARRIER:Service",
    ),
    (
        "rules:\n  - name: x\n    carrier: {service: 'UPS:Ground', choose: fastest}\n",
        "routing.yaml: rules[0] (x).carrier.choose: expected cheapest or first",
    ),
    ("rules: []\n", "routing.yaml: rules: no rules and no default: nothing could ever be routed"),
    ("rules: {a: 1}\n", "routing.yaml: rules: expected a list of rules"),
    (
        "rule: []\n",
        "routing.yaml: file.rule: unknown key; expected one of rules, default, carriers",
    ),
    (
        "default:\n  strategy: {split: 1}\n",
        "routing.yaml: default.strategy.split: expected true or false",
    ),
    (
        "rules:\n  - name: x\n    name: y\n",
        "routing.yaml: line 3: duplicate key 'name'",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD_FILES)
def test_bad_files_name_the_file_rule_and_field(text: str, message: str) -> None:
    with pytest.raises(RulesError) as caught:
        load_rules(text, source="routing.yaml")
    assert str(caught.value) == message
    assert isinstance(caught.value, ValueError)


def test_malformed_yaml_names_the_line() -> None:
    with pytest.raises(RulesError) as caught:
        load_rules("rules:\n  - name: a\n    when: {channel: [web\n", source="routing.yaml")
    assert str(caught.value).startswith("routing.yaml: line 4: ")  # the parser's own words


# --- carriers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    carrier: str
    service: str
    amount: int


RATES = [
    Rate("UPS", "Next Day Air", 2500),
    Rate("USPS", "Ground Advantage", 700),
    Rate("UPS", "Ground", 700),
    Rate("FedEx", "Home Delivery", 650),
]

CARRIER_RULES = """
rules:
  - name: own
    carrier:
      service_level: {standard: [ups:ground, "FedEx: Home Delivery"], next_day: [UPS:NextDayAir]}
  - name: pinned
    carrier: {service: "UPS:Ground"}
  - name: preference
    carrier: {service_level: {"*": [UPS:Ground, USPS:GroundAdvantage]}, choose: first}
  - name: plain
carriers:
  service_level:
    standard: [USPS:GroundAdvantage, UPS:Ground]
    next_day: [UPS:NextDayAir]
"""


def test_choose_carrier_cheapest_allowed_by_the_rule() -> None:
    ruleset = rules(CARRIER_RULES)
    assert choose_carrier(ruleset, "own", "standard", RATES) == RATES[3]
    assert choose_carrier(ruleset, "own", "next_day", RATES) == RATES[0]


def test_choose_carrier_falls_back_to_the_top_level_section() -> None:
    ruleset = rules(CARRIER_RULES)
    # USPS and UPS Ground cost the same: the first rate wins; spaces and case are ignored
    assert choose_carrier(ruleset, "plain", "standard", RATES) == RATES[1]
    assert choose_carrier(ruleset, None, "standard", RATES) == RATES[1]
    assert choose_carrier(ruleset, "own", "economy", RATES) is None  # listed nowhere


def test_choose_carrier_first_follows_the_listed_order() -> None:
    ruleset = rules(CARRIER_RULES)
    assert choose_carrier(ruleset, "preference", "economy", RATES) == RATES[2]
    assert choose_carrier(ruleset, "preference", "economy", [RATES[1]]) == RATES[1]


def test_choose_carrier_without_any_section_takes_the_cheapest_of_all() -> None:
    ruleset = rules("rules:\n  - name: x\n")
    assert choose_carrier(ruleset, "x", "standard", RATES) == RATES[3]
    assert choose_carrier(ruleset, "x", "standard", []) is None


def test_choose_carrier_none_when_no_rate_is_allowed() -> None:
    ruleset = rules(CARRIER_RULES)
    assert choose_carrier(ruleset, "own", "next_day", RATES[1:]) is None


def test_carrier_for_a_pinned_service() -> None:
    ruleset = rules(CARRIER_RULES)
    assert carrier_for(ruleset, "pinned", "standard") == "UPS:Ground"
    assert carrier_for(ruleset, "own", "next_day") == "UPS:NextDayAir"
    assert carrier_for(ruleset, "own", "standard") is None  # two allowed: rate-shop
    assert carrier_for(rules("rules:\n  - name: x\n"), "x", "standard") is None


# --- property -------------------------------------------------------------------------------

SKUS = ["A", "B", "C"]
CODES = [s.code for s in SITES]


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(st.tuples(st.sampled_from(SKUS), st.integers(1, 6)), min_size=1, max_size=5),
    stock=st.dictionaries(
        st.tuples(st.sampled_from(SKUS), st.sampled_from(CODES)), st.integers(0, 8)
    ),
    strategy=st.fixed_dictionaries(
        {
            "ship_complete": st.sampled_from(["required", "preferred", "'no'"]),
            "split": st.booleans(),
            "split_lines": st.booleans(),
            "nearest": st.booleans(),
            "max_splits": st.integers(1, 4),
        }
    ),
)
def test_a_routed_decision_allocates_exactly_the_order_within_stock(
    lines: list[tuple[str, int]], stock: dict[tuple[str, str], int], strategy: dict[str, Any]
) -> None:
    text = ", ".join(f"{k}: {str(v).lower()}" for k, v in strategy.items())
    ruleset = one_rule(strategy="{" + text + "}")
    the_order = order(*lines)
    decision = route(the_order, ruleset, SITES, stock, now=NOW)
    if not decision.routed:
        return
    taken: dict[tuple[str, str], int] = {}
    per_line: dict[str | None, int] = {}
    for allocation in decision.allocations:
        for ln in allocation.lines:
            assert ln.quantity > 0
            key = (ln.sku, allocation.location)
            taken[key] = taken.get(key, 0) + ln.quantity
            per_line[ln.line_id] = per_line.get(ln.line_id, 0) + ln.quantity
    assert all(n <= stock.get(key, 0) for key, n in taken.items())
    assert per_line == {ln.line_id: ln.quantity for ln in the_order.lines}
    assert decision.splits <= strategy["max_splits"]
    assert len({a.location for a in decision.allocations}) == decision.splits
    if strategy["ship_complete"] == "required" or not strategy["split"]:
        assert decision.splits == 1
    if not strategy["split_lines"]:
        ids = [ln.line_id for a in decision.allocations for ln in a.lines]
        assert len(ids) == len(set(ids))
