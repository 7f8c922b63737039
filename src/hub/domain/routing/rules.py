"""Routing rules from parsed data: every key checked, patterns compiled once.

``compile_rules`` takes the document as YAML or JSON parsing gave it (mappings, lists,
strings, numbers; the caller reads the file, see ``hub.services.routing.rules_source``) and
returns a ``RuleSet``; a ``RulesError`` names the file, the rule and the field.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any, NoReturn

from hub.domain.routing.model import (
    Carriers,
    Conditions,
    Pair,
    Rule,
    RulesError,
    RuleSet,
    Strategy,
    norm,
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
                pair = (norm(carrier), norm(service))
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


def compile_rules(raw: Any, *, source: str = "<rules>") -> RuleSet:
    """Validate and compile a parsed rules document; a RulesError names the file, rule and
    field."""
    reader = _Reader(source)
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
