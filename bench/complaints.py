"""``GET /complaints/stats`` over 100,000 shipped orders on PostgreSQL (and SQLite).

Creates ``hub_bench_<random>`` at ``--pg-url`` (``--sqlite``: a scratch SQLite file),
migrates it, fills it with ``--orders``
shipped orders over 90 days (1 to 3 lines of 300 SKUs, one fulfilment at one of 8 locations,
one parcel by one of 5 carriers, with their units per day in ``shipped_daily`` as the
parcels' timeline tap keeps them) and ``--complaints`` complaints (half naming a line), then
times the figures (``hub.services.complaints.stats``: every query and the attribution, as
the route runs them) for a 30-day window and for all 90 days; prints p50, p99 and max in
ms over ``--runs`` calls after a warm-up, and drops the database. PostgreSQL is filled with
COPY, SQLite with one executemany per table::

    .venv/bin/python bench/complaints.py
    .venv/bin/python bench/complaints.py --orders 100000 --runs 30 --pg-url postgresql://postgres@127.0.0.1:5432
    .venv/bin/python bench/complaints.py --sqlite
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
from sqlalchemy import create_engine, insert, text

from hub.config import normalise_database_url
from hub.services.complaints.stats import stats
from hub.store import tables
from hub.store.database import Database
from hub.store.migrate import upgrade

CARRIERS = ["USPS", "UPS", "FedEx", "DHL", "GLS"]
LOCATIONS = [f"loc-{i}" for i in range(8)]
KINDS = ["damaged", "missing_item", "wrong_item", "late", "not_as_described", "other"]
NOW = datetime.now(UTC)


def _id(n: int, tag: str) -> str:
    return f"{tag}{n:0{26 - len(tag)}d}"


def _rows(orders: int, complaints: int) -> dict[str, list[tuple[object, ...]]]:
    rnd = random.Random(14)
    out: dict[str, list[tuple[object, ...]]] = {t: [] for t in (
        "orders", "order_lines", "fulfilments", "fulfilment_lines", "shipments",
        "shipment_lines", "complaints", "complaint_lines", "shipped_daily")}  # fmt: skip
    daily: dict[tuple[object, str, str], int] = {}
    skus_of: dict[int, list[str]] = {}
    for n in range(orders):
        at = NOW - timedelta(seconds=rnd.uniform(0, 90 * 86400))
        oid, fid, sid = _id(n, "O"), _id(n, "F"), _id(n, "S")
        out["orders"].append((oid, f"B-{n}", f"P-{n}", "shop", f"E-{n}", "shipped", at, at, at,
                              "EUR", 1000, "x", 1, b"{}", ""))  # fmt: skip
        skus = rnd.sample(range(300), rnd.randint(1, 3))
        skus_of[n] = [f"SKU-{s}" for s in skus]
        location, carrier = rnd.choice(LOCATIONS), rnd.choice(CARRIERS)
        out["fulfilments"].append((fid, oid, location, "shipped", at, at))
        out["shipments"].append((sid, fid, oid, f"K-{n}", carrier, "delivered", at, at))
        for i, sku in enumerate(skus_of[n]):
            q = rnd.randint(1, 2)
            out["order_lines"].append((oid, i, sku, q))
            out["fulfilment_lines"].append((fid, i, sku, q, q))
            out["shipment_lines"].append((sid, sku, q))
            for cell in (("carrier", carrier), ("location", location), ("sku", sku)):
                key = (at.date(), *cell)
                daily[key] = daily.get(key, 0) + q
    out["shipped_daily"] = [(d, dim, k, n) for (d, dim, k), n in sorted(daily.items())]  # type: ignore[index]
    for c in range(complaints):
        n = rnd.randrange(orders)
        at = NOW - timedelta(seconds=rnd.uniform(0, 90 * 86400))
        cid = _id(c, "C")
        out["complaints"].append((cid, _id(n, "O"), "shop", rnd.choice(KINDS), "open", "x",
                                  "[]", at + timedelta(hours=48), at, at, "bench"))  # fmt: skip
        if c % 2:
            out["complaint_lines"].append((cid, 0, skus_of[n][0], 1))
    return out


COLUMNS = {
    "orders": ["id", "number", "public_ref", "channel", "external_id", "status", "placed_at",
               "received_at", "updated_at", "currency", "total", "content_hash", "version",
               "doc", "search"],
    "order_lines": ["order_id", "position", "sku", "quantity"],
    "fulfilments": ["id", "order_id", "location", "status", "created_at", "updated_at"],
    "fulfilment_lines": ["fulfilment_id", "position", "sku", "quantity", "shipped"],
    "shipments": ["id", "fulfilment_id", "order_id", "parcel_key", "carrier", "status",
                  "shipped_at", "updated_at"],
    "shipment_lines": ["shipment_id", "sku", "quantity"],
    "complaints": ["id", "order_id", "channel", "kind", "status", "description", "evidence",
                   "due_at", "created_at", "updated_at", "actor"],
    "complaint_lines": ["complaint_id", "position", "sku", "quantity"],
    "shipped_daily": ["day", "dimension", "key", "units"],
}  # fmt: skip


async def fill(url: str, orders: int, complaints: int) -> None:
    conn = await asyncpg.connect(url)
    try:
        for table, records in _rows(orders, complaints).items():
            await conn.copy_records_to_table(table, records=records, columns=COLUMNS[table])
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


def fill_sqlite(path: str, orders: int, complaints: int) -> None:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            for table, records in _rows(orders, complaints).items():
                names = COLUMNS[table]
                rows = [dict(zip(names, r, strict=True)) for r in records]
                conn.execute(insert(getattr(tables, table)), rows)
            conn.execute(text("ANALYZE"))
    finally:
        engine.dispose()


def sqlite_main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="hub-bench-complaints-") as tmp:
        path = f"{tmp}/hub.db"
        url = f"sqlite+aiosqlite:///{path}"
        upgrade(url)
        start = time.perf_counter()
        fill_sqlite(path, args.orders, args.complaints)
        print(f"sqlite: filled {args.orders} shipped orders, {args.complaints} complaints in "
              f"{time.perf_counter() - start:.1f} s")  # fmt: skip
        asyncio.run(measure(url, args.runs))


async def measure(url: str, runs: int) -> None:
    db = Database(normalise_database_url(url))
    try:
        for label, days in (("30 days (the default)", 30), ("all 90 days", 91)):
            since = NOW - timedelta(days=days)
            got = await stats(db, since)
            for _ in range(3):
                await stats(db, since)
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                await stats(db, since)
                times.append((time.perf_counter() - start) * 1000)
            times.sort()
            p99 = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]
            print(f"{label}: {got.shipped_units} units shipped, {got.complaints} complaints, "
                  f"{len(got.by_sku)} kind x SKU cells; p50 {statistics.median(times):.1f} ms, "
                  f"p99 {p99:.1f} ms, max {times[-1]:.1f} ms over {runs} runs")  # fmt: skip
    finally:
        await db.dispose()


async def main(args: argparse.Namespace) -> None:
    name = args.reuse or f"hub_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(f"{args.pg_url}/postgres")
    url = f"{args.pg_url}/{name}"
    try:
        if not args.reuse:
            await admin.execute(f'CREATE DATABASE "{name}"')
            await asyncio.to_thread(upgrade, normalise_database_url(url))
            start = time.perf_counter()
            await fill(url, args.orders, args.complaints)
            print(f"filled {args.orders} shipped orders, {args.complaints} complaints in "
                  f"{time.perf_counter() - start:.1f} s")  # fmt: skip
        await measure(url, args.runs)
    finally:
        if args.keep:
            print(f"kept: --reuse {name}")
        else:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--complaints", type=int, default=3_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the database (and say its name)")
    parser.add_argument("--reuse", help="measure a database kept before, without filling it")
    parser.add_argument("--sqlite", action="store_true", help="a scratch SQLite file instead")
    parsed = parser.parse_args()
    if parsed.sqlite:
        sqlite_main(parsed)
    else:
        asyncio.run(main(parsed))
