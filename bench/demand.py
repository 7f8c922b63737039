"""Demand history benchmark: the daily aggregate built from 100,000 orders, then kept up to
date incrementally after 1,000 new orders and 100 cancellations.

Writes ``--orders`` orders (1 to 3 lines each over ``--skus`` SKUs, three channels, placed
over three years) straight into a fresh database, then times:

- the first build: every order counted into ``demand_daily`` (``update_demand``);
- an incremental update: ``--new`` new orders and ``--cancel`` cancelled ones counted;
- an update with nothing to do (the change feed's cost when idle);
- reading every SKU's series back from the aggregate, as a forecast run does;
- ``hub history import`` of ``--import-rows`` rows of past sales (parsed from CSV text and
  stored), and the same file again (every (day, SKU, channel) replaced).

    .venv/bin/python bench/demand.py                          # SQLite in a temp dir
    .venv/bin/python bench/demand.py --database-url postgresql://postgres@127.0.0.1/hub_bench
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, func, insert, select, update

from hub.clock import utcnow
from hub.config import normalise_database_url
from hub.domain import ids
from hub.services.demand import update_demand
from hub.services.demand.history_csv import import_history, read_history
from hub.services.forecast.run import _read
from hub.store.database import Database
from hub.store.migrate import upgrade
from hub.store.planning_tables import demand_daily, demand_entries
from hub.store.tables import order_lines, orders

CHANNELS = ("shopify-eu", "amazon-de", "callcentre")
START = datetime(2022, 1, 3, tzinfo=UTC)


def order_rows(rng: random.Random, n: int, skus: int, first: int) -> tuple[list[dict], list[dict]]:
    now = utcnow()
    rows, lines = [], []
    for i in range(first, first + n):
        oid = ids.new_id()
        placed = START + timedelta(seconds=rng.randrange(3 * 365 * 86400))
        rows.append(
            {
                "id": oid,
                "number": f"B-{i}",
                "public_ref": f"REF-{i}",
                "channel": rng.choice(CHANNELS),
                "external_id": f"E-{i}",
                "status": "accepted",
                "placed_at": placed,
                "received_at": now,
                "updated_at": now,
                "currency": "EUR",
                "total": 1000,
                "content_hash": "x",
                "version": 1,
                "doc": b"{}",
            }
        )
        for pos in range(rng.choice((1, 1, 1, 2, 3))):
            sku = f"SKU-{int(skus * rng.random() ** 3):05d}"  # a long tail
            lines.append(
                {"order_id": oid, "position": pos, "sku": sku, "quantity": rng.choice((1, 1, 2, 3))}
            )
    return rows, lines


async def write_orders(
    db: Database, rng: random.Random, n: int, skus: int, first: int
) -> list[str]:
    created: list[str] = []
    for start in range(0, n, 5000):
        rows, lines = order_rows(rng, min(5000, n - start), skus, first + start)

        def put(conn: Connection, rows: list[dict] = rows, lines: list[dict] = lines) -> None:
            conn.execute(insert(orders), rows)
            conn.execute(insert(order_lines), lines)

        await db.run_write(put)
        created += [r["id"] for r in rows]
    return created


async def counts(db: Database) -> tuple[int, int]:
    async with db.read() as conn:
        cells = (await conn.execute(select(func.count()).select_from(demand_daily))).scalar_one()
        entries = (
            await conn.execute(select(func.count()).select_from(demand_entries))
        ).scalar_one()
    return int(cells), int(entries)


async def timed(label: str, work) -> float:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    result = await work()
    elapsed = time.perf_counter() - t0
    print(f"{label:<44} {elapsed:8.2f} s   ({result})")
    return elapsed


def history_csv(rng: random.Random, rows: int, skus: int) -> str:
    lines = ["date,sku,channel,units"]
    day = date(2019, 1, 1)
    while len(lines) <= rows:
        for _ in range(min(skus, rows + 1 - len(lines))):
            sku = f"OLD-{int(skus * rng.random() ** 3):05d}"
            lines.append(f"{day},{sku},{rng.choice(CHANNELS)},{rng.randint(1, 9)}")
        day += timedelta(days=1)
    return "\n".join(lines) + "\n"


async def import_twice(db: Database, rng: random.Random, rows: int, skus: int) -> None:
    text = history_csv(rng, rows, skus)

    async def once() -> str:
        good, bad = read_history(text, set())
        done = await import_history(db, good, bad)
        return f"{done.rows} rows, {done.keys} cells replaced, {len(done.failures)} failed"

    await timed(f"history import: {rows} rows", once)
    await timed("history import: the same file again", once)


async def main(args: argparse.Namespace) -> None:
    rng = random.Random(16)
    url = normalise_database_url(args.database_url)
    upgrade(url)
    db = Database(url)
    try:
        t0 = time.perf_counter()
        ids_ = await write_orders(db, rng, args.orders, args.skus, 0)
        print(f"wrote {args.orders} orders in {time.perf_counter() - t0:.1f} s ({db.dialect})")
        await timed(f"first build: {args.orders} orders counted", lambda: update_demand(db))
        cells, entries = await counts(db)
        print(f"  demand_daily {cells} cells, demand_entries {entries} rows")
        await write_orders(db, rng, args.new, args.skus, args.orders)
        cancelled = rng.sample(ids_, args.cancel)

        def cancel(conn: Connection) -> None:
            conn.execute(
                update(orders)
                .where(orders.c.id.in_(cancelled))
                .values(status="cancelled", version=orders.c.version + 1, updated_at=utcnow())
            )

        await db.run_write(cancel)
        await timed(
            f"incremental: {args.new} new, {args.cancel} cancelled", lambda: update_demand(db)
        )
        await timed("idle: nothing changed", lambda: update_demand(db))

        async def read() -> str:
            built, skus = await _read(db, date(2024, 12, 31), lambda *_: None)
            return f"{len(built.series)} series of {len(skus)} SKUs"

        await timed("forecast input: every series read back", read)
        await import_twice(db, rng, args.import_rows, args.skus)
    finally:
        await db.dispose()


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=1000)
    parser.add_argument("--cancel", type=int, default=100)
    parser.add_argument("--skus", type=int, default=2000)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--database-url", help="default: SQLite in a temporary directory")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.database_url is None:
            args.database_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        asyncio.run(main(args))


if __name__ == "__main__":
    cli()
