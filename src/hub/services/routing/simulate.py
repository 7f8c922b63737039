"""Dry run of a routing rules file over past orders: what would each rule have done?

Reads (never writes) the orders placed in ``[since, until)`` in the order they were placed,
starting from today's ``on_hand`` at every location, routes each one with
``hub.domain.routing.route`` as if at its ``placed_at`` and takes what it allocates out of
the pool, then reports per rule how many orders it routed, split, how many units, from
which locations, and why the rest could not be routed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime

import msgspec
from sqlalchemy import Connection

from hub.domain.routing import Decision, RouteLine, RouteOrder, RuleSet, route, route_order_from
from hub.store import catalog as catalog_store
from hub.store import routing as routing_store
from hub.store.database import Database

PAGE = 500
TOP_REASONS = 5


class RuleFigures(msgspec.Struct, frozen=True, kw_only=True):
    rule: str  # a rule's name, or "default"
    orders: int
    split: int  # orders shipped from more than one location
    units: int
    locations: dict[str, int]  # location code -> orders it ships (part of)


class SimulationReport(msgspec.Struct, frozen=True, kw_only=True):
    since: datetime
    until: datetime | None
    orders: int
    routed: int
    split: int
    units: int
    unroutable: int
    rules: list[RuleFigures]  # in the file's order, then default; rules that routed nothing too
    reasons: list[tuple[str, int]]  # the most common reasons orders were unroutable


def _page(
    conn: Connection,
    since: datetime,
    until: datetime | None,
    after: tuple[datetime, str] | None,
    include_cancelled: bool,
) -> list[tuple[datetime, str, RouteOrder]]:
    """A page of orders in (placed_at, id) order after ``after``, aliases and bundles
    resolved as stock reservation resolves them (an alias is its SKU, a bundle its
    components)."""
    placed = routing_store.placed_page(
        conn, since, until, after, include_cancelled=include_cancelled, limit=PAGE
    )
    found = [(at, o.id, route_order_from(o)) for at, o in placed]
    names = {ln.sku for _, _, o in found for ln in o.lines}
    aliases = catalog_store.alias_owners(conn, names)
    bundles = catalog_store.components_of(conn, {aliases.get(n, n) for n in names})
    out: list[tuple[datetime, str, RouteOrder]] = []
    for placed_at, order_id, order in found:
        lines: list[RouteLine] = []
        for ln in order.lines:
            sku = aliases.get(ln.sku, ln.sku)
            for part, per in bundles.get(sku, {sku: 1}).items():
                lines.append(RouteLine(part, ln.quantity * per, ln.line_id))
        out.append((placed_at, order_id, msgspec.structs.replace(order, lines=lines)))
    return out


class _Tally:
    def __init__(self) -> None:
        self.orders = 0
        self.split = 0
        self.units = 0
        self.locations: Counter[str] = Counter()

    def take(self, decision: Decision, pool: dict[tuple[str, str], int]) -> None:
        """Count a routed order and take what it allocates out of the shared pool."""
        self.orders += 1
        self.split += decision.splits > 1
        for allocation in decision.allocations:
            self.locations[allocation.location] += 1
            for ln in allocation.lines:
                key = (ln.sku, allocation.location)
                pool[key] = pool.get(key, 0) - ln.quantity
                self.units += ln.quantity

    def figures(self, rule: str) -> RuleFigures:
        return RuleFigures(
            rule=rule,
            orders=self.orders,
            split=self.split,
            units=self.units,
            locations=dict(sorted(self.locations.items(), key=lambda kv: (-kv[1], kv[0]))),
        )


async def simulate(
    db: Database,
    rules: RuleSet,
    *,
    since: datetime,
    until: datetime | None = None,
    progress: Callable[[int], None] | None = None,
    include_cancelled: bool = False,
) -> SimulationReport:
    """Route every order placed in ``[since, until)`` against one shared pool of today's
    ``on_hand``; nothing is written. ``progress(n)`` is told how many orders are done after
    each page. Cancelled orders are left out unless ``include_cancelled``."""
    tallies: dict[str, _Tally] = {r.name: _Tally() for r in rules.rules}
    if rules.default is not None:
        tallies["default"] = _Tally()
    reasons: Counter[str] = Counter()
    total = 0
    async with db.read() as conn:
        sites = await conn.run_sync(lambda c: routing_store.sites(c)[0])
        pool = await conn.run_sync(routing_store.on_hand)
        after: tuple[datetime, str] | None = None
        while True:
            page = await conn.run_sync(_page, since, until, after, include_cancelled)
            for placed_at, _, order in page:
                decision = route(order, rules, sites, pool, now=placed_at)
                total += 1
                if decision.routed and decision.rule is not None:
                    tallies[decision.rule].take(decision, pool)
                else:
                    reasons[decision.reason] += 1
            if progress is not None and page:
                progress(total)
            if len(page) < PAGE:
                break
            after = (page[-1][0], page[-1][1])
    figures = [t.figures(name) for name, t in tallies.items()]
    unroutable = sum(reasons.values())
    return SimulationReport(
        since=since,
        until=until,
        orders=total,
        routed=total - unroutable,
        split=sum(f.split for f in figures),
        units=sum(f.units for f in figures),
        unroutable=unroutable,
        rules=figures,
        reasons=sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_REASONS],
    )


def format_report(report: SimulationReport) -> str:
    """The report as a plain text table."""
    until = report.until.isoformat() if report.until else "now"
    head = ("rule", "orders", "split", "units", "locations (orders)")
    rows = [
        (
            f.rule,
            str(f.orders),
            str(f.split),
            str(f.units),
            ", ".join(f"{code} ({n})" for code, n in f.locations.items()) or "-",
        )
        for f in report.rules
    ]
    rows.append(("unroutable", str(report.unroutable), "-", "-", "-"))
    rows.append(
        (
            "total",
            str(report.orders),
            str(report.split),
            str(report.units),
            f"{report.routed} routed",
        )
    )
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]

    def line(cells: Sequence[str]) -> str:
        out = [
            c.ljust(w) if i in (0, 4) else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(out).rstrip()

    text = [
        f"Routing simulation of orders placed {report.since.isoformat()} to {until}",
        "",
        line(head),
        line(["-" * w for w in widths]),
        *(line(r) for r in rows[:-1]),
        line(["-" * w for w in widths]),
        line(rows[-1]),
    ]
    if report.reasons:
        text += ["", "Most common reasons for no route:"]
        text += [f"  {n:>5}  {reason}" for reason, n in report.reasons]
    return "\n".join(text) + "\n"
