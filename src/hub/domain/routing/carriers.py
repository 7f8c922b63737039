"""Which carrier service a fulfilment ships with: the rules' ``carrier`` sections."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from hub.domain.routing.model import Carriers, Pair, RuleSet, norm


class Rate(Protocol):
    @property
    def carrier(self) -> str: ...
    @property
    def service(self) -> str: ...
    @property
    def amount(self) -> int: ...


R = TypeVar("R", bound=Rate)


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
        candidates = [r for r in rates if (norm(r.carrier), norm(r.service)) in keys]
        if section is not None and section.choose == "first" and candidates:
            rank = {pair: i for i, pair in reversed(list(enumerate(allowed)))}
            return min(candidates, key=lambda r: rank[(norm(r.carrier), norm(r.service))])
    return min(candidates, key=lambda r: r.amount) if candidates else None


def carrier_for(rules: RuleSet, rule: str | None, service_level: str | None) -> str | None:
    """The one ``CARRIER:Service`` (as written) the rules pin for this service level, when
    exactly one is allowed; else None (rate-shop with ``choose_carrier``)."""
    section, allowed = _section(rules, rule, service_level)
    if section is None or allowed is None or len(allowed) != 1:
        return None
    return section.labels[allowed[0]] if section.labels else None
