"""Order routing rules: which location(s) ship an order, and which carrier service. Pure.

A rules file (YAML, see docs/routing-rules.md) is validated and compiled once by
``load_rules``; ``route`` then tries each rule in order and returns a ``Decision``: the first
rule that matches the order and can allocate every unit from the stock given wins. Nothing
here does I/O; the caller supplies the sites and the units available per (sku, location).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, NoReturn, Protocol, TypeVar

import msgspec
import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode

from hub.domain.order import OrderData

ShipComplete = Literal["required", "preferred", "no"]
Stock = Mapping[tuple[str, str], int]


class RouteLine(msgspec.Struct, frozen=True):
    sku: str
    quantity: int
    line_id: str | None = None


class RouteOrder(msgspec.Struct, frozen=True, kw_only=True):
    """What routing looks at in an order. ``total`` is minor units of ``currency``."""

    channel: str
    country: str | None = None
    region: str | None = None
    total: int = 0
    currency: str
    service_level: str | None = None
    ship_by: datetime | None = None
    tags: list[str] = []
    lines: list[RouteLine]


class Site(msgspec.Struct, frozen=True):
    """A location that can ship: lower ``priority`` is tried first."""

    code: str
    priority: int
    kind: str = "own"
    country: str | None = None
    region: str | None = None


class Allocation(msgspec.Struct, frozen=True):
    location: str
    lines: list[RouteLine]


class Decision(msgspec.Struct, frozen=True):
    """``rule`` is the rule that routed (``"default"`` for the default strategy), else None."""

    rule: str | None
    allocations: list[Allocation]
    reason: str

    @property
    def routed(self) -> bool:
        return bool(self.allocations)

    @property
    def splits(self) -> int:
        return len(self.allocations)


class RulesError(ValueError):
    """An invalid rules file; the message names the file, the rule and the field."""


def route_order_from(order: OrderData) -> RouteOrder:
    address = order.shipping_address
    return RouteOrder(
        channel=order.channel or "",
        country=address.country if address else None,
        region=address.region if address else None,
        total=order.totals.total,
        currency=order.currency,
        service_level=order.shipping.service_level,
        ship_by=order.ship_by,
        tags=list(order.tags),
        lines=[RouteLine(ln.sku, ln.quantity, ln.line_id) for ln in order.lines],
    )


# --- the compiled rules ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Conditions:
    channels: frozenset[str] | None = None
    countries: frozenset[str] | None = None
    regions: frozenset[str] | None = None
    sku: re.Pattern[str] | None = None
    tags: frozenset[str] | None = None
    value_min: int | None = None
    value_max: int | None = None
    value_currency: str | None = None
    service_levels: frozenset[str] | None = None
    ship_within: timedelta | None = None

    def match(self, order: RouteOrder, now: datetime) -> bool:
        if self.channels is not None and order.channel not in self.channels:
            return False
        if self.countries is not None and (order.country or "").upper() not in self.countries:
            return False
        if self.regions is not None and (order.region or "").upper() not in self.regions:
            return False
        if self.service_levels is not None and order.service_level not in self.service_levels:
            return False
        if self.value_currency is not None and order.currency != self.value_currency:
            return False
        if self.value_min is not None and order.total < self.value_min:
            return False
        if self.value_max is not None and order.total > self.value_max:
            return False
        if self.tags is not None and self.tags.isdisjoint(order.tags):
            return False
        if self.ship_within is not None and (
            order.ship_by is None or order.ship_by - now > self.ship_within
        ):
            return False
        if self.sku is not None:
            match = self.sku.match
            if not any(match(ln.sku) for ln in order.lines):
                return False
        return True


@dataclass(frozen=True, slots=True)
class Strategy:
    locations: tuple[str, ...] | None = None
    nearest: bool = False
    ship_complete: ShipComplete = "preferred"
    split: bool = True
    max_splits: int | None = None
    split_lines: bool = False


Pair = tuple[str, str]  # (carrier, service), normalised: casefolded, no spaces


@dataclass(frozen=True, slots=True)
class Carriers:
    by_level: Mapping[str, tuple[Pair, ...]]  # "*" applies to levels not listed
    choose: Literal["cheapest", "first"] = "cheapest"
    labels: Mapping[Pair, str] | None = None  # normalised pair -> as written

    def allowed(self, service_level: str | None) -> tuple[Pair, ...] | None:
        found = self.by_level.get(service_level or "")
        return found if found is not None else self.by_level.get("*")


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    when: Conditions
    strategy: Strategy
    carrier: Carriers | None = None


@dataclass(frozen=True, slots=True)
class RuleSet:
    rules: tuple[Rule, ...]
    default: Strategy | None = None
    carriers: Carriers | None = None
    source: str = "<rules>"

    def rule(self, name: str | None) -> Rule | None:
        if name is None:
            return None
        return next((r for r in self.rules if r.name == name), None)


# --- loading --------------------------------------------------------------------------------

_BOOL_TAG = "tag:yaml.org,2002:bool"


_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when built in


class _Loader(_Base):
    """YAML 1.2 booleans only (country NO stays "NO"); a key given twice is an error."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        self.flatten_mapping(node)
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str | int):
                continue
            if key in seen:
                raise ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)

_WHEN_KEYS = (
    "channel",
    "country",
    "region",
    "sku",
    "tag",
    "order_value",
    "service_level",
    "ship_by_within_hours",
)
_STRATEGY_KEYS = ("locations", "nearest", "ship_complete", "split", "max_splits", "split_lines")
_SHIP_COMPLETE = ("required", "preferred", "no")


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, reason: str) -> NoReturn:
        raise RulesError(f"{self.source}: {where}: {reason}")

    def mapping(self, value: Any, where: str, keys: Sequence[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(where, "expected a mapping")
        for key in value:
            if key not in keys:
                self.fail(f"{where}.{key}", f"unknown key; expected one of {', '.join(keys)}")
        return value

    def strings(self, value: Any, where: str) -> tuple[str, ...]:
        items = value if isinstance(value, list) else [value]
        if not items or not all(isinstance(v, str) and v for v in items):
            self.fail(where, "expected a string or a non-empty list of strings")
        return tuple(items)

    def boolean(self, value: Any, where: str) -> bool:
        if not isinstance(value, bool):
            self.fail(where, "expected true or false")
        return value

    def integer(self, value: Any, where: str, low: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            self.fail(where, f"expected an integer >= {low}")
        return value

    def when(self, raw: Any, where: str) -> Conditions:
        if raw is None:
            return Conditions()
        raw = self.mapping(raw, where, _WHEN_KEYS)

        def strings(key: str, norm: Callable[[str], str] = str) -> frozenset[str] | None:
            if key not in raw:
                return None
            return frozenset(norm(v) for v in self.strings(raw[key], f"{where}.{key}"))

        sku = None
        if "sku" in raw:
            patterns = self.strings(raw["sku"], f"{where}.sku")
            sku = re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns))
        value_min = value_max = currency = None
        if "order_value" in raw:
            at = f"{where}.order_value"
            value = self.mapping(raw["order_value"], at, ("min", "max", "currency"))
            if "min" in value:
                value_min = self.integer(value["min"], f"{at}.min", 0)
            if "max" in value:
                value_max = self.integer(value["max"], f"{at}.max", 0)
            if value_min is not None and value_max is not None and value_max < value_min:
                self.fail(f"{at}.max", f"{value_max} is below min {value_min}")
            if "currency" in value:
                currency = value["currency"]
                if not isinstance(currency, str) or not re.fullmatch("[A-Z]{3}", currency):
                    self.fail(f"{at}.currency", "expected an ISO 4217 code such as USD")
        within = None
        if "ship_by_within_hours" in raw:
            hours = raw["ship_by_within_hours"]
            if isinstance(hours, bool) or not isinstance(hours, int | float) or hours <= 0:
                self.fail(f"{where}.ship_by_within_hours", "expected a number of hours > 0")
            within = timedelta(hours=hours)
        return Conditions(
            channels=strings("channel"),
            countries=strings("country", str.upper),
            regions=strings("region", str.upper),
            sku=sku,
            tags=strings("tag"),
            value_min=value_min,
            value_max=value_max,
            value_currency=currency,
            service_levels=strings("service_level"),
            ship_within=within,
        )

    def strategy(self, raw: Any, where: str) -> Strategy:
        if raw is None:
            return Strategy()
        raw = self.mapping(raw, where, _STRATEGY_KEYS)
        s = Strategy()
        locations = None
        if "locations" in raw:
            locations = self.strings(raw["locations"], f"{where}.locations")
        ship_complete = raw.get("ship_complete", s.ship_complete)
        if ship_complete not in _SHIP_COMPLETE:
            self.fail(f"{where}.ship_complete", f"expected one of {', '.join(_SHIP_COMPLETE)}")
        max_splits = raw.get("max_splits")
        return Strategy(
            locations=locations,
            nearest=self.boolean(raw.get("nearest", False), f"{where}.nearest"),
            ship_complete=ship_complete,
            split=self.boolean(raw.get("split", True), f"{where}.split"),
            max_splits=None
            if max_splits is None
            else self.integer(max_splits, f"{where}.max_splits", 1),
            split_lines=self.boolean(raw.get("split_lines", False), f"{where}.split_lines"),
        )

    def carriers(self, raw: Any, where: str) -> Carriers | None:
        if raw is None:
            return None
        raw = self.mapping(raw, where, ("service_level", "service", "choose"))
        if ("service" in raw) == ("service_level" in raw):
            self.fail(where, "give exactly one of service_level or service")
        labels: dict[Pair, str] = {}

        def pairs(value: Any, at: str) -> tuple[Pair, ...]:
            out = []
            for i, text in enumerate(self.strings(value, at)):
                carrier, _, service = text.partition(":")
                if not carrier.strip() or not service.strip():
                    self.fail(f"{at}[{i}]", f"{text!r} is not CARRIER:Service")
                pair = (_norm(carrier), _norm(service))
                labels.setdefault(pair, text)
                out.append(pair)
            return tuple(out)

        if "service" in raw:
            by_level = {"*": pairs(raw["service"], f"{where}.service")}
        else:
            at = f"{where}.service_level"
            levels = raw["service_level"]
            if not isinstance(levels, dict) or not levels:
                self.fail(at, "expected a mapping of service level to CARRIER:Service list")
            by_level = {str(k): pairs(v, f"{at}.{k}") for k, v in levels.items()}
        choose = raw.get("choose", "cheapest")
        if choose not in ("cheapest", "first"):
            self.fail(f"{where}.choose", "expected cheapest or first")
        return Carriers(by_level=by_level, choose=choose, labels=labels)

    def rule(self, raw: Any, index: int, names: set[str]) -> Rule:
        where = f"rules[{index}]"
        if isinstance(raw, dict) and isinstance(raw.get("name"), str) and raw["name"]:
            where += f" ({raw['name']})"
        raw = self.mapping(raw, where, ("name", "when", "strategy", "carrier"))
        name = raw.get("name", f"rules[{index}]")
        if not isinstance(name, str) or not name:
            self.fail(f"{where}.name", "expected a non-empty string")
        if name in names or name == "default":
            self.fail(
                f"{where}.name", f"{name!r} is {'reserved' if name == 'default' else 'taken'}"
            )
        names.add(name)
        return Rule(
            name=name,
            when=self.when(raw.get("when"), f"{where}.when"),
            strategy=self.strategy(raw.get("strategy"), f"{where}.strategy"),
            carrier=self.carriers(raw.get("carrier"), f"{where}.carrier"),
        )


def load_rules(text: str, *, source: str = "<rules>") -> RuleSet:
    """Validate and compile a rules file; a RulesError names the file, rule and field."""
    reader = _Reader(source)
    try:
        raw = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "file"
        problem = getattr(exc, "problem", None) or "not valid YAML"
        reader.fail(where, problem)
    raw = reader.mapping(raw, "file", ("rules", "default", "carriers"))
    rules = raw.get("rules", [])
    if not isinstance(rules, list):
        reader.fail("rules", "expected a list of rules")
    names: set[str] = set()
    compiled = tuple(reader.rule(r, i, names) for i, r in enumerate(rules))
    default = None
    if "default" in raw:
        body = reader.mapping(raw["default"], "default", ("strategy",))
        default = reader.strategy(body.get("strategy"), "default.strategy")
    carriers = reader.carriers(raw.get("carriers"), "carriers")
    if not compiled and default is None:
        reader.fail("rules", "no rules and no default: nothing could ever be routed")
    return RuleSet(rules=compiled, default=default, carriers=carriers, source=source)


# --- routing --------------------------------------------------------------------------------


class _Sites:
    """The sites of one ``route`` call, indexed on first use."""

    __slots__ = ("_by_code", "_by_priority", "sites")

    def __init__(self, sites: Sequence[Site]) -> None:
        self.sites = sites
        self._by_code: dict[str, Site] | None = None
        self._by_priority: list[Site] | None = None

    def by_code(self) -> dict[str, Site]:
        if self._by_code is None:
            self._by_code = {s.code: s for s in self.sites}
        return self._by_code

    def by_priority(self) -> list[Site]:
        if self._by_priority is None:
            self._by_priority = sorted(self.sites, key=lambda s: (s.priority, s.code))
        return self._by_priority


def _candidates(strategy: Strategy, order: RouteOrder, sites: _Sites) -> list[Site]:
    if strategy.locations is not None:
        by_code = sites.by_code()
        found = [by_code[c] for c in strategy.locations if c in by_code]
    else:
        found = list(sites.by_priority())
    if strategy.nearest and order.country:
        country, region = order.country.upper(), (order.region or "").upper()

        def distance(s: Site) -> int:
            if s.country != country:
                return 2
            return 0 if region and (s.region or "").upper() == region else 1

        found.sort(key=distance)
    return found


def _units(lines: Sequence[RouteLine]) -> dict[str, int]:
    need: dict[str, int] = {}
    for ln in lines:
        need[ln.sku] = need.get(ln.sku, 0) + ln.quantity
    return need


def _wanted(need: Mapping[str, int]) -> str:
    return ", ".join(f"{sku} x{n}" for sku, n in need.items())


def _fill(
    lines: Sequence[RouteLine], have: Mapping[str, int], split_lines: bool
) -> tuple[list[RouteLine], list[RouteLine]]:
    """What a site holding ``have`` (sku -> units) can take of ``lines`` (whole lines unless
    split_lines), and what remains."""
    used: dict[str, int] = {}
    taken: list[RouteLine] = []
    left: list[RouteLine] = []
    for ln in lines:
        free = have.get(ln.sku, 0) - used.get(ln.sku, 0)
        n = ln.quantity if free >= ln.quantity else (max(free, 0) if split_lines else 0)
        if n:
            used[ln.sku] = used.get(ln.sku, 0) + n
            taken.append(RouteLine(ln.sku, n, ln.line_id) if n != ln.quantity else ln)
        if n != ln.quantity:
            left.append(RouteLine(ln.sku, ln.quantity - n, ln.line_id) if n else ln)
    return taken, left


def _cover(
    lines: Sequence[RouteLine], have: Mapping[str, int], split_lines: bool, unique: bool
) -> int:
    """How many units ``_fill`` would take; the hot loop of the split."""
    if not unique:
        return sum(ln.quantity for ln in _fill(lines, have, split_lines)[0])
    units = 0
    for ln in lines:
        free = have.get(ln.sku, 0)
        if free >= ln.quantity:
            units += ln.quantity
        elif split_lines and free > 0:
            units += free
    return units


def _split(
    lines: list[RouteLine],
    codes: list[str],
    stock: Stock,
    strategy: Strategy,
    greedy: bool,
) -> tuple[list[Allocation], list[RouteLine]]:
    """Greedy: each step the candidate covering the most remaining units (ties: candidate
    order). Not greedy: each candidate in order takes what it can. Returns what is left.

    A site ships at most one allocation, so its stock is read, never updated; and an unused
    site can only cover less as lines are filled, so one that covers nothing is dropped."""
    skus = {ln.sku for ln in lines}
    unique = len(skus) == len(lines)
    at: dict[str, dict[str, int]] = {}
    for code in codes:
        have = {sku: n for sku in skus if (n := stock.get((sku, code), 0)) > 0}
        if have:
            at[code] = have
    pool = [c for c in codes if c in at]
    limit = strategy.max_splits or len(codes)
    out: list[Allocation] = []
    while lines and pool and len(out) < limit:
        wanted = sum(ln.quantity for ln in lines)
        best, best_units = None, 0
        for code in list(pool):
            units = _cover(lines, at[code], strategy.split_lines, unique)
            if not units:
                pool.remove(code)
            elif units > best_units:
                best, best_units = code, units
                if not greedy or units == wanted:
                    break
        if best is None:
            break
        taken, lines = _fill(lines, at[best], strategy.split_lines)
        out.append(Allocation(best, taken))
        pool.remove(best)
    return out, lines


def _shortage(need: Mapping[str, int], codes: list[str], stock: Stock) -> str | None:
    """ "short of SKU by N" for every SKU the candidates together cannot cover, else None."""
    short = []
    for sku, n in need.items():
        total = 0
        for code in codes:
            have = stock.get((sku, code), 0)
            if have > 0:
                total += have
        if total < n:
            short.append(f"short of {sku} by {n - total}")
    return "; ".join(short) if short else None


def _split_failure(left: list[RouteLine], strategy: Strategy) -> str:
    """Why a split found no place for ``left`` although the candidates hold enough."""
    if strategy.max_splits is not None:
        return f"cannot ship within {strategy.max_splits} locations ({_wanted(_units(left))} left)"
    return f"no one location has {_wanted(_units(left))} whole (split_lines false)"


def _allocate(
    order: RouteOrder, strategy: Strategy, sites: _Sites, stock: Stock
) -> tuple[list[Allocation], str]:
    """Allocations for every unit of ``order`` and what happened, or ([], why not)."""
    codes = [s.code for s in _candidates(strategy, order, sites)]
    if not codes:
        return [], "no candidate location"
    lines = order.lines
    need = _units(lines)
    if strategy.ship_complete != "no" or not strategy.split:
        wants = list(need.items())
        get = stock.get
        for code in codes:
            for sku, n in wants:
                if get((sku, code), 0) < n:
                    break
            else:
                return [Allocation(code, list(lines))], f"ship complete from {code}"
        if strategy.ship_complete == "required" or not strategy.split:
            nowhere = {
                sku: n for sku, n in need.items() if all(stock.get((sku, c), 0) < n for c in codes)
            }
            why = "ship complete required" if strategy.split else "split not allowed"
            if nowhere:
                return [], f"no candidate location has {_wanted(nowhere)} ({why})"
            return [], f"no candidate location has all {len(lines)} lines ({why})"
    short = _shortage(need, codes, stock)
    if short:
        return [], short
    allocations, left = _split(list(lines), codes, stock, strategy, strategy.ship_complete != "no")
    if left and strategy.ship_complete == "no" and strategy.max_splits is not None:
        allocations, left = _split(list(lines), codes, stock, strategy, True)
    if left:
        return [], _split_failure(left, strategy)
    if len(allocations) == 1:
        return allocations, f"ship complete from {allocations[0].location}"
    used = ", ".join(a.location for a in allocations)
    return allocations, f"split over {len(allocations)} locations ({used})"


def route(
    order: RouteOrder,
    rules: RuleSet,
    sites: Sequence[Site],
    stock: Stock,
    *,
    now: datetime,
) -> Decision:
    """The first rule that matches ``order`` and can allocate all of it, else the default
    strategy, else no route with the reasons. ``stock[(sku, location)]`` is units available
    (missing: 0)."""
    failures: list[str] = []
    matched = False
    indexed = _Sites(sites)
    for rule in rules.rules:
        if not rule.when.match(order, now):
            continue
        matched = True
        allocations, why = _allocate(order, rule.strategy, indexed, stock)
        if allocations:
            return Decision(rule.name, allocations, f"rule {rule.name}: {why}")
        failures.append(f"{rule.name}: {why}")
    if rules.default is not None:
        allocations, why = _allocate(order, rules.default, indexed, stock)
        if allocations:
            return Decision("default", allocations, f"default: {why}")
        failures.append(f"default: {why}")
    if not matched:
        failures.insert(0, "no rule matches")
    return Decision(None, [], "; ".join(failures))


# --- carriers -------------------------------------------------------------------------------


class Rate(Protocol):
    @property
    def carrier(self) -> str: ...
    @property
    def service(self) -> str: ...
    @property
    def amount(self) -> int: ...


R = TypeVar("R", bound=Rate)


def _norm(text: str) -> str:
    return text.replace(" ", "").casefold()


def _section(
    rules: RuleSet, rule: str | None, service_level: str | None
) -> tuple[Carriers | None, tuple[Pair, ...] | None]:
    found = rules.rule(rule)
    for section in (found.carrier if found else None, rules.carriers):
        if section is not None:
            allowed = section.allowed(service_level)
            if allowed is not None:
                return section, allowed
    if (found and found.carrier) or rules.carriers:
        return None, ()  # sections exist, none lists this service level: nothing allowed
    return None, None


def choose_carrier(
    rules: RuleSet, rule: str | None, service_level: str | None, rates: Sequence[R]
) -> R | None:
    """The rate to buy: among the pairs allowed for ``service_level`` (the rule's carrier
    section, else the top-level one), the cheapest (ties: the first), or with
    ``choose: first`` the first allowed pair that has a rate. No section at all: the
    cheapest of all. Nothing allowed: None."""
    section, allowed = _section(rules, rule, service_level)
    if allowed is None:
        candidates = list(rates)
    else:
        keys = set(allowed)
        candidates = [r for r in rates if (_norm(r.carrier), _norm(r.service)) in keys]
        if section is not None and section.choose == "first" and candidates:
            rank = {pair: i for i, pair in reversed(list(enumerate(allowed)))}
            return min(candidates, key=lambda r: rank[(_norm(r.carrier), _norm(r.service))])
    return min(candidates, key=lambda r: r.amount) if candidates else None


def carrier_for(rules: RuleSet, rule: str | None, service_level: str | None) -> str | None:
    """The one ``CARRIER:Service`` (as written) the rules pin for this service level, when
    exactly one is allowed; else None (rate-shop with ``choose_carrier``)."""
    section, allowed = _section(rules, rule, service_level)
    if section is None or allowed is None or len(allowed) != 1:
        return None
    return section.labels[allowed[0]] if section.labels else None
