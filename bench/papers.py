"""Warehouse papers: how long one pick list or packing slip takes to render, on one core.

They are rendered in the request (never stored), so this is the time a picker waits on top
of the database read: a packing slip, and pick lists of 10, 50 and 100 fulfilments (100 is
the most one pick list covers), each of 3 lines over a catalogue of 200 SKUs, so rows are
shared. Prints CPU ms per paper (median and worst of the repeats), papers per second, and
the PDF size.

    .venv/bin/python bench/papers.py              # ~20 s
    .venv/bin/python bench/papers.py --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime

from hub.domain.order import Address
from hub.domain.papers import PaperFulfilment, PaperLine, packing_slip, pick_list
from hub.render import render_packing_slip, render_pick_list

NOW = datetime(2026, 3, 20, 7, 30, tzinfo=UTC)
SHIP_TO = Address(name="Zofia Wójcik", line1="ul. Piotrkowska 17", city="Łódź", country="PL")


def fulfilment(i: int, tags: list[str] | None = None) -> PaperFulfilment:
    lines = [
        PaperLine(
            sku=f"SKU-{(i * 7 + k) % 200:03d}", name=f"Item {k}", quantity=1 + k, unit_price=1250
        )
        for k in range(3)
    ]
    return PaperFulfilment(
        id=f"F{i:025d}",
        order_number=f"H-{100000 + i}",
        public_ref=f"k7Qm2xR9{i:04d}",
        ship_to=SHIP_TO,
        lines=lines,
        currency="EUR",
        tags=tags or [],
    )


def measure(name: str, work: Callable[[], bytes], repeat: int) -> None:
    times, size = [], 0
    for _ in range(repeat):
        start = time.process_time()
        size = len(work())
        times.append(time.process_time() - start)
    median = statistics.median(times)
    print(
        f"{name:<28} {median * 1000:8.1f} ms  worst {max(times) * 1000:8.1f} ms  "
        f"{1 / median:7.1f}/s  {size / 1024:7.1f} KiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    bins = {f"SKU-{n:03d}": f"{'ABCD'[n % 4]}-{n // 4}" for n in range(0, 200, 2)}
    measure(
        "packing slip",
        lambda: render_packing_slip(packing_slip(fulfilment(1), created_at=NOW)),
        args.repeat,
    )
    measure(
        "packing slip (gift)",
        lambda: render_packing_slip(packing_slip(fulfilment(2, ["gift"]), created_at=NOW)),
        args.repeat,
    )
    for n in (10, 50, 100):
        chosen = [fulfilment(i) for i in range(n)]
        measure(
            f"pick list, {n} fulfilments",
            lambda chosen=chosen: render_pick_list(pick_list("main", chosen, bins, created_at=NOW)),
            args.repeat,
        )


if __name__ == "__main__":
    main()
