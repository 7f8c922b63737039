"""Order routing rules: which location(s) ship an order, and which carrier service. Pure.

- ``model``: what routing looks at (``RouteOrder``, ``Site``), the compiled ``RuleSet`` and
  the ``Decision``;
- ``rules``: ``compile_rules`` checks a parsed rules document (docs/routing-rules.md) and
  compiles it once; reading the file is the service's (``hub.services.routing``);
- ``route``: ``route`` tries each rule in order; the first rule that matches the order and
  can allocate every unit from the stock given wins;
- ``carriers``: ``choose_carrier`` and ``carrier_for``, from the rules' carrier sections.

Nothing here does I/O; the caller supplies the sites and the units available per
(sku, location).
"""

from hub.domain.routing.carriers import carrier_for, choose_carrier
from hub.domain.routing.model import (
    DEFAULT_RULES,
    Allocation,
    Carriers,
    Conditions,
    Decision,
    RouteLine,
    RouteOrder,
    Rule,
    RulesError,
    RuleSet,
    Site,
    Strategy,
    route_order_from,
)
from hub.domain.routing.route import route
from hub.domain.routing.rules import compile_rules

__all__ = [
    "DEFAULT_RULES",
    "Allocation",
    "Carriers",
    "Conditions",
    "Decision",
    "RouteLine",
    "RouteOrder",
    "Rule",
    "RuleSet",
    "RulesError",
    "Site",
    "Strategy",
    "carrier_for",
    "choose_carrier",
    "compile_rules",
    "route",
    "route_order_from",
]
