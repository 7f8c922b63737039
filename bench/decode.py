"""Decoding benchmark: one ``POST /orders`` body (the 3-line order of ``bench/ingest.py``)
read into ``OrderData``, in process, three ways:

- ``json only``: ``msgspec.json.decode`` to plain Python objects, no types (the floor);
- ``litestar lax``: litestar's own path for a ``JSONBody[OrderData]`` parameter (decode to
  objects, then ``msgspec.convert(..., strict=False)``), which the hub no longer takes;
- ``hub strict``: ``hub.api.decoding.decode_body``, what ``HubRequest.json`` runs: one strict
  typed decode, every text field checked for control characters, every integer bounded.

CPU microseconds per body, median of 9 runs::

    .venv/bin/python bench/decode.py
    .venv/bin/python bench/decode.py --number 50000
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
from litestar.serialization import decode_json

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import _ID_PLACEHOLDER, order_document

from hub.api.decoding import decode_body
from hub.domain.order import OrderData


def cases(body: bytes) -> dict[str, Callable[[], Any]]:
    return {
        "json only": lambda: msgspec.json.decode(body),
        "litestar lax": lambda: msgspec.convert(decode_json(body), OrderData, strict=False),
        "hub strict": lambda: decode_body(body, OrderData),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=20_000, help="decodes per run")
    args = parser.parse_args(argv)
    body = json.dumps(order_document()).replace(_ID_PLACEHOLDER, "SHOP-1000001").encode()
    print(f"one order body, {len(body)} bytes; CPU us per decode (median of 9 runs)")
    for name, run in cases(body).items():
        timer = timeit.Timer(run, timer=time.process_time)
        runs = [timer.timeit(number=args.number) / args.number * 1e6 for _ in range(9)]
        print(f"  {name:14} {statistics.median(runs):7.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
