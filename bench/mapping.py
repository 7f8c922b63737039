"""Mapping benchmark: one typical order through each connector's real mapping, in process.

For every installed connector (``hub.plugins.discover()``) that has a fixture in the table
below, three timings of the same document(s), each the median of ``--repeat`` timeit runs:

- ``decode``: ``msgspec.json.decode`` of the raw bytes only, the floor to compare with;
- ``engine``: ``Mapping.to_order`` on the already decoded document (the mapping engine alone);
- ``lookup``: ``load_default()``, which every ``normalize`` calls to find its mapping (it
  checks the mapping files for changes);
- ``normalize``: ``connector.normalize`` on the raw bytes, as ``hub normalize`` and the
  ingest job call it (decode, the connector's own joining, the engine).

Figures are µs per order and orders/s for one core. A connector that is not installed, or
whose fixture is missing, is listed as skipped::

    .venv/bin/python bench/mapping.py
    .venv/bin/python bench/mapping.py --repeat 15 --min-time 0.5
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import timeit
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from hub.mapping import load_default
from hub.plugins import discover

ROOT = Path(__file__).resolve().parents[1]
CONNECTORS = ROOT / "connectors"


@dataclass(frozen=True)
class Case:
    """Which fixture to pass to a connector, and how the engine sees it."""

    connector: str
    files: tuple[str, ...]  # relative to connectors/
    mapping: str
    settings: dict[str, Any] = field(default_factory=dict)
    root: Callable[[list[Any]], Any] = lambda decoded: decoded[0]  # the mapping's document


CASES = [
    Case("shopify", ("shopify/fixtures/orders_create.json",), "shopify_order"),
    Case("woocommerce", ("woocommerce/fixtures/order_created.json",), "woocommerce_order"),
    Case(
        "generic_json",
        ("generic_json/tests/fixtures/example_partner_order.json",),
        "example_partner_order",
        settings={"mapping": "example_partner_order"},
    ),
    Case("amazon", ("amazon/fixtures/message_unshipped.json",), "amazon_order"),
    Case(
        "ebay",
        ("ebay/fixtures/getorders.json",),
        "ebay_order",
        root=lambda decoded: decoded[0]["orders"][0],
    ),
    Case("square", ("square/fixtures/order_combined.json",), "square_order"),
]


@dataclass
class Row:
    name: str
    orders: int = 0
    size: int = 0
    decode_us: float = 0.0
    engine_us: float | None = None
    lookup_us: float = 0.0
    normalize_us: float = 0.0
    skipped: str | None = None


def per_call_us(func: Callable[[], object], repeat: int, min_time: float) -> float:
    """Median µs per call over ``repeat`` runs of about ``min_time`` seconds each."""
    timer = timeit.Timer(func)
    number, _ = timer.autorange()
    number = max(1, int(number * min_time / 0.2))
    runs = timer.repeat(repeat=repeat, number=number)
    return statistics.median(runs) / number * 1e6


def measure(case: Case, connector: Any, args: argparse.Namespace) -> Row:
    row = Row(case.connector)
    paths = [CONNECTORS / f for f in case.files]
    absent = [str(p.relative_to(ROOT)) for p in paths if not p.is_file()]
    if absent:
        row.skipped = f"no fixture {', '.join(absent)}"
        return row
    documents = [p.read_bytes() for p in paths]
    row.size = sum(len(d) for d in documents)
    channel = f"bench-{case.connector}".replace("_", "-")

    def normalize() -> list[Any]:
        return connector.normalize(documents, channel=channel, settings=case.settings)

    reported = normalize()
    row.orders = len(reported)
    if not reported:
        row.skipped = "the fixture gave no orders"
        return row
    mapping = load_default().get(case.mapping)
    root = case.root([msgspec.json.decode(d) for d in documents])
    if row.orders == 1 and mapping.to_order(root, channel=channel).order == reported[0].order:
        row.engine_us = per_call_us(
            lambda: mapping.to_order(root, channel=channel), args.repeat, args.min_time
        )
    decoder = msgspec.json.Decoder()
    row.decode_us = (
        per_call_us(lambda: [decoder.decode(d) for d in documents], args.repeat, args.min_time)
        / row.orders
    )
    row.lookup_us = per_call_us(load_default, args.repeat, args.min_time)
    row.normalize_us = per_call_us(normalize, args.repeat, args.min_time) / row.orders
    return row


def print_table(rows: list[Row], args: argparse.Namespace) -> None:
    print()
    print(
        f"One order per connector through its real mapping; median of {args.repeat} timeit "
        f"runs of ~{args.min_time:g} s; one core, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
    )
    header = (
        f"{'connector':<13} {'bytes':>6} {'decode µs':>10} {'engine µs':>10} "
        f"{'lookup µs':>10} {'normalize µs':>13} {'orders/s':>9} {'x decode':>9}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        if r.skipped:
            print(f"{r.name:<13} skipped: {r.skipped}")
            continue
        engine = f"{r.engine_us:>10.1f}" if r.engine_us is not None else f"{'-':>10}"
        print(
            f"{r.name:<13} {r.size:>6} {r.decode_us:>10.1f} {engine} {r.lookup_us:>10.1f} "
            f"{r.normalize_us:>13.1f} "
            f"{1e6 / r.normalize_us:>9,.0f} {r.normalize_us / r.decode_us:>9.0f}"
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="timeit runs; the median is shown")
    parser.add_argument("--min-time", type=float, default=0.2, help="seconds per run, about")
    parser.add_argument("--only", action="append", help="just these connectors (repeatable)")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.min_time <= 0:
        parser.error("--repeat and --min-time must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    found = discover()
    rows: list[Row] = []
    for case in CASES:
        if args.only and case.connector not in args.only:
            continue
        if case.connector not in found:
            rows.append(Row(case.connector, skipped="connector not installed"))
            continue
        print(f"measuring {case.connector} ...", file=sys.stderr, flush=True)
        try:
            rows.append(measure(case, found[case.connector], args))
        except Exception as exc:
            rows.append(Row(case.connector, skipped=f"failed: {type(exc).__name__}: {exc}"))
    untimed = sorted(set(found) - {c.connector for c in CASES})
    print_table(rows, args)
    if any(r.engine_us is None and not r.skipped for r in rows):
        print("engine -: the connector does more than the mapping (several orders, or a join)")
    if untimed:
        print(f"\nInstalled with no fixture in bench/mapping.py's table: {', '.join(untimed)}")
    return 1 if any(r.skipped and r.skipped.startswith("failed") for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
