"""Route one order: the first rule that matches and can allocate every unit wins.

Nothing here does I/O; the caller supplies the sites and the units available per
(sku, location). The split is the hot loop (see ``bench/routing.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from hub.domain.routing.model import (
    Allocation,
    Decision,
    RouteLine,
    RouteOrder,
    RuleSet,
    Site,
    Stock,
    Strategy,
)


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
