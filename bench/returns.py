"""Return receipt benchmark: a unit received ``sellable`` on a return reaching every
channel's available-to-sell push.

The ten channels and their partner are ``bench/stock_sync.py``'s (the test stock connector
against a keep-alive HTTP server in the same process). One call-centre order of
``--changes`` units of a SKU listed on all ten is accepted, routed and shipped from
``main``; then, ``--changes`` times, a return of one unit is opened and authorised, and
timed from ``post_receipt`` (grade ``sellable`` at ``main``) returning to the last of the
ten channels receiving the figure one higher, with the worker running as in production::

    .venv/bin/python bench/returns.py
    .venv/bin/python bench/returns.py --changes 100 --only sqlite
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import msgspec

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.stock_sync import CHANNELS, DEFAULT_PG_URL, Bench, hub_on, pct, pg_admin  # noqa: E402
from hub.bootstrap import build_registry  # noqa: E402
from hub.config import normalise_database_url  # noqa: E402
from hub.domain.order import OrderData, normalise  # noqa: E402
from hub.domain.returns import ReturnPolicy  # noqa: E402
from hub.sdk import ShipmentReport  # noqa: E402
from hub.services.catalog import SkuIn, upsert_skus  # noqa: E402
from hub.services.fulfilment import own_warehouse  # noqa: E402
from hub.services.intake.writer import IngestRequest, OrderWriter  # noqa: E402
from hub.services.returns import decisions, opening, receiving  # noqa: E402
from hub.services.stock import LocationIn, MovementIn, add_location, post_movements  # noqa: E402
from hub.store import fulfilment as fulfilment_store  # noqa: E402
from hub.store.migrate import upgrade  # noqa: E402
from hub.worker import Worker  # noqa: E402

SKU = "RET-SKU"
ON_HAND = 1000


def _policy(channel: str) -> ReturnPolicy:
    return ReturnPolicy()


async def _shipped_order(bench: Bench, units: int) -> str:
    raw = {"external_id": f"BENCH-{uuid.uuid4().hex[:8]}", "channel": "callcentre",
           "currency": "EUR", "customer": {"name": "Ada", "email": "ada@example.com"},
           "shipping_address": {"line1": "1 Way", "city": "Berlin", "country": "DE"},
           "lines": [{"sku": SKU, "quantity": units, "unit_price": 1000}],
           "totals": {"subtotal": 1000 * units, "total": 1000 * units},
           "payment": {"status": "paid"}}  # fmt: skip
    data = normalise(msgspec.convert(raw, OrderData))
    writer = OrderWriter(bench.db, max_attempts=3)
    await writer.start()
    try:
        made = await writer.submit(IngestRequest(data=data, actor="bench"))
    finally:
        await writer.stop()
    return made.order_id


async def _fulfilment(bench: Bench, order_id: str) -> str:
    for _ in range(600):
        async with bench.db.read() as conn:
            found = await conn.run_sync(lambda c: fulfilment_store.of_order(c, order_id))
        if found:
            return str(found[0].id)
        await asyncio.sleep(0.05)
    raise RuntimeError("the order was never routed")


async def receipts(bench: Bench, changes: int, gap: float) -> dict[str, float]:
    db = bench.db
    await upsert_skus(db, [SkuIn(SKU, "Returned", listings={c: f"L-{c}" for c in CHANNELS})])
    await post_movements(db, [MovementIn("receipt", SKU, "main", ON_HAND, "bench")], actor="b")
    stop = asyncio.Event()
    worker = Worker(db, build_registry(bench.settings, bench.ctx.connections), bench.settings,
                    context=bench.ctx)  # fmt: skip
    task = asyncio.create_task(worker.run(stop))
    samples = []
    try:
        order_id = await _shipped_order(bench, changes)
        fid = await _fulfilment(bench, order_id)
        await own_warehouse.confirm_shipment(db, fid, ShipmentReport(fulfilment_ref=fid),
                                             actor="bench")  # fmt: skip
        figure = ON_HAND - changes
        await asyncio.wait_for(bench.partner.all_have(SKU, figure), 30)
        body = opening.ReturnIn(lines=[opening.ReturnLineIn(sku=SKU, quantity=1)], reason="other")
        got = receiving.ReceiveIn(
            location="main",
            lines=[receiving.ReceivedLineIn(sku=SKU, quantity=1, grade="sellable")],
        )
        for _ in range(changes):
            rid = await opening.post_return(db, order_id, body, actor="b", policy_of=_policy)
            await decisions.authorise(
                db, rid, decisions.AuthoriseIn(), actor="b", label_connection=None,
                return_location=lambda c: None,
            )  # fmt: skip
            figure += 1
            arrived = bench.partner.all_have(SKU, figure)
            await receiving.post_receipt(db, rid, got, actor="b", policy_of=_policy,
                                         offered_to=lambda loc: None)  # fmt: skip
            t0 = time.perf_counter()
            last = await asyncio.wait_for(arrived, 30)
            samples.append((last - t0) * 1000)
            await asyncio.sleep(gap)
    finally:
        stop.set()
        await task
    return {"n": len(samples), "p50": statistics.median(samples), "p99": pct(samples, 99),
            "max": max(samples)}  # fmt: skip


async def run_case(url: str, args: argparse.Namespace) -> dict[str, float]:
    async with hub_on(url, args.poll) as bench:
        await add_location(bench.db, LocationIn(code="main", name="Main"))
        return await receipts(bench, args.changes, args.gap)


def sqlite_case(args: argparse.Namespace) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="hub-bench-returns-") as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/hub.db"
        upgrade(url)
        return asyncio.run(run_case(url, args))


def postgres_case(args: argparse.Namespace) -> dict[str, float] | str:
    base, name = args.pg_url, f"hub_bench_returns_{uuid.uuid4().hex[:8]}"
    try:
        asyncio.run(pg_admin(base, f'CREATE DATABASE "{name}"'))
    except (OSError, ImportError) as exc:
        return f"not reachable: {exc}"
    except Exception as exc:  # asyncpg errors
        return f"cannot create a database: {type(exc).__name__}"
    try:
        url = normalise_database_url(f"{base}/{name}")
        upgrade(url)
        return asyncio.run(run_case(url, args))
    finally:
        asyncio.run(pg_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=50, help="return receipts timed")
    parser.add_argument("--gap", type=float, default=0.01, help="seconds between receipts")
    parser.add_argument("--poll", type=float, default=1.0, help="worker_poll_seconds")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="PostgreSQL server (no db)")
    parser.add_argument("--only", action="append", choices=["sqlite", "postgres"])
    args = parser.parse_args()
    chosen = args.only or ["sqlite", "postgres"]
    results: dict[str, dict[str, float] | str] = {}
    if "sqlite" in chosen:
        results["sqlite"] = sqlite_case(args)
    if "postgres" in chosen:
        results["postgres"] = postgres_case(args)
    print(f"\nreturn receipt (sellable, 1 unit) -> last of {len(CHANNELS)} channels has the new "
          f"figure ({args.changes} receipts, worker_poll_seconds {args.poll})\n")  # fmt: skip
    print(f"{'database':<10} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, r in results.items():
        if isinstance(r, str):
            print(f"{name:<10} {r}")
            continue
        print(f"{name:<10} {r['p50']:>8.1f} {r['p99']:>8.1f} {r['max']:>8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
