"""The routing model: what routing looks at in an order, the sites, the compiled rules and
the decision. Pure data; ``rules.compile_rules`` builds a ``RuleSet``, ``route.route`` uses it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import msgspec

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


#: without a rules file: every location by priority, ship complete preferred, split allowed
DEFAULT_RULES = RuleSet(rules=(), default=Strategy(), source="<default: every location>")


def norm(text: str) -> str:
    """A carrier or service name as compared: no spaces, case folded."""
    return text.replace(" ", "").casefold()
