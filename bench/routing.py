"""Routing benchmark: ``hub.domain.routing.route`` in process, one core, no I/O.

20 sites, 30 rules (26 whose conditions fail at different points, a late rule that matches
but cannot allocate, then the one that routes), a 5-line order. Three cases:

- ``ship complete``: the routing rule finds one site with all five lines;
- ``split``: no site has everything, the greedy split runs (split_lines, nearest);
- ``no route``: every matching rule fails and the reason text is built.

Prints µs per routing (p50, p99 over single calls) and routes/s (over a timed loop)::

    .venv/bin/python bench/routing.py
    .venv/bin/python bench/routing.py --iterations 50000
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta

from hub.domain.routing import RouteLine, RouteOrder, RuleSet, Site, route
from hub.services.routing.rules_source import load_rules

NOW = datetime(2025, 6, 2, 12, tzinfo=UTC)
SKUS = ["CBL-USB-C-1M", "CHG-GAN-65W", "CASE-P9-BLK", "SCR-P9-GLS", "HUB-7IN1"]
REGIONS = ["NJ", "IL", "CA", "TX", "GA", "WA", "PA", "OH", "FL", "NY"]


def sites() -> list[Site]:
    out = [Site(f"us-{r.lower()}", 10 + i, "own", "US", r) for i, r in enumerate(REGIONS)]
    out += [Site(f"3pl-{r.lower()}", 50 + i, "3pl", "US", r) for i, r in enumerate(REGIONS)]
    return out


def rules_text() -> str:
    failing = [
        "{channel: [amazon-de, amazon-fr]}",
        "{country: [DE, AT, CH]}",
        "{channel: [web], region: [AK, HI]}",
        "{sku: ['BAT-*', 'PWR-*']}",
        "{tag: [wholesale, b2b]}",
        "{order_value: {min: 1000000, currency: USD}}",
        "{service_level: [same_day]}",
        "{channel: [web], country: [US], ship_by_within_hours: 2}",
        "{order_value: {max: 100, currency: USD}}",
        "{channel: [web], sku: ['X-*'], tag: [vip]}",
    ]
    rules = []
    for i in range(26):
        rules.append(f"  - name: miss-{i}\n    when: {failing[i % len(failing)]}")
    rules.append(
        "  - name: late-fails\n    when: {channel: [web], country: [US]}\n"
        "    strategy: {locations: [3pl-wa], ship_complete: required}"
    )
    rules.append("  - name: miss-26\n    when: {tag: [never]}")
    rules.append(
        "  - name: routes\n    when: {channel: [web], sku: ['CBL-*', 'CHG-*'], "
        "region: [IL, IN, OH]}\n"
        "    strategy: {nearest: true, split_lines: true, max_splits: 4}\n"
        "    carrier: {service_level: {standard: [USPS:GroundAdvantage, UPS:Ground]}}"
    )
    rules.append("  - name: after\n    when: {channel: [web]}")
    return "rules:\n" + "\n".join(rules) + "\ndefault:\n  strategy: {ship_complete: preferred}\n"


def order() -> RouteOrder:
    return RouteOrder(
        channel="web",
        country="US",
        region="IL",
        total=18_990,
        currency="USD",
        service_level="standard",
        ship_by=NOW + timedelta(days=2),
        tags=["gift"],
        lines=[RouteLine(sku, 1 + i, str(i)) for i, sku in enumerate(SKUS)],
    )


def stock_complete(all_sites: list[Site]) -> dict[tuple[str, str], int]:
    # every site has some lines; only us-ca (not the nearest) has all of them
    out = {(sku, s.code): 1 for sku in SKUS for s in all_sites}
    out.update({(sku, "us-ca"): 10 for sku in SKUS})
    return out


def stock_split(all_sites: list[Site]) -> dict[tuple[str, str], int]:
    # no site has everything: us-il (nearest) has three lines, 3pl-tx and us-oh share the
    # other two (split_lines); every other site has a unit of the first SKU, so each greedy
    # step scans all 20 sites
    out = {(SKUS[0], s.code): 1 for s in all_sites}
    out.update({(sku, "us-il"): 5 for sku in SKUS[:3]})
    out.update({(SKUS[3], "3pl-tx"): 5, (SKUS[4], "3pl-tx"): 2})
    out.update({(SKUS[3], "us-oh"): 2, (SKUS[4], "us-oh"): 3})
    return out


def stock_none(all_sites: list[Site]) -> dict[tuple[str, str], int]:
    return {(sku, s.code): 1 for sku in SKUS[:3] for s in all_sites}


def measure(name: str, rules: RuleSet, all_sites: list[Site], stock: dict, iterations: int) -> None:
    the_order = order()
    decision = route(the_order, rules, all_sites, stock, now=NOW)
    for _ in range(min(iterations, 2000)):  # warm up
        route(the_order, rules, all_sites, stock, now=NOW)
    samples = []
    clock = time.perf_counter_ns
    for _ in range(iterations):
        start = clock()
        route(the_order, rules, all_sites, stock, now=NOW)
        samples.append(clock() - start)
    start = clock()
    for _ in range(iterations):
        route(the_order, rules, all_sites, stock, now=NOW)
    elapsed = clock() - start
    samples.sort()
    p50 = statistics.median(samples) / 1000
    p99 = samples[int(len(samples) * 0.99) - 1] / 1000
    rate = iterations / (elapsed / 1e9)
    print(f"{name:<14} p50 {p50:7.1f} µs  p99 {p99:7.1f} µs  {rate:9.0f} routes/s")
    print(f"{'':<14} {decision.reason[:110]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iterations", type=int, default=20_000)
    args = parser.parse_args()
    all_sites = sites()
    start = time.perf_counter_ns()
    rules = load_rules(rules_text(), source="bench")
    loaded = (time.perf_counter_ns() - start) / 1000
    print(
        f"{len(all_sites)} sites, {len(rules.rules)} rules (loaded in {loaded:.0f} µs), "
        f"{len(order().lines)}-line order, {args.iterations} iterations"
    )
    measure("ship complete", rules, all_sites, stock_complete(all_sites), args.iterations)
    measure("split", rules, all_sites, stock_split(all_sites), args.iterations)
    measure("no route", rules, all_sites, stock_none(all_sites), args.iterations)


if __name__ == "__main__":
    main()
