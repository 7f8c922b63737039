"""Console benchmark: every page rendered server-side with 100,000 orders (2 M timeline
events) in the database, on SQLite and on PostgreSQL.

Fills a fresh database in bulk, around the store (orders over 60 days on five channels, 1
to 3 lines each, 20 events each, open and late fulfilments, held and flagged orders, stock
and movements, quarantined messages, dead and done jobs): COPY on PostgreSQL, executemany
on SQLite (whose triggers fill the search index), then rebuilds the console's tallies from
the orders (``order_tally.recount``). Then it signs in to the console with an admin key and
requests each page through the real app (ASGI, its middleware and lifespan; no network),
after a warm-up. Prints per page the wall time p50/p95 in ms, and the CPU time p50/p95 of
this process (the app, the test client and SQLite's thread; PostgreSQL's server is not in
it), with the load average: on a shared machine the wall times follow the load, the CPU
times far less::

    .venv/bin/python bench/console.py                        # both databases, ~12 min
    .venv/bin/python bench/console.py --only sqlite --orders 20000 --requests 20
    .venv/bin/python bench/console.py --pg-url postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
from litestar.testing import AsyncTestClient
from sqlalchemy import insert, text

from hub.api.app import create_app
from hub.config import Settings, normalise_database_url
from hub.console.session import COOKIE
from hub.domain.order import OrderData
from hub.services import keys as key_service
from hub.store import order_tally
from hub.store.database import Database
from hub.store.migrate import upgrade
from hub.store.tables import (
    fulfilment_lines,
    fulfilments,
    inbound_messages,
    jobs,
    locations,
    order_events,
    order_lines,
    orders,
    skus,
    stock_levels,
    stock_movements,
)

CHANNELS = ["shop-eu", "shop-us", "amazon-de", "ebay-uk", "callcentre"]
NAMES = [
    "Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra", "Barbara Liskov",
    "Donald Knuth", "Frances Allen", "Ken Thompson", "Margaret Hamilton", "John Backus",
]  # fmt: skip
STATUSES = [("delivered", 70), ("shipped", 15), ("released", 6), ("cancelled", 4),
            ("accepted", 3), ("on_hold", 1), ("received", 1)]  # fmt: skip
KINDS = ["received", "accept", "route", "release", "fulfilment_sent", "shipment", "tracking",
         "shipment_confirmed", "tracking", "status"]  # fmt: skip
SKUS = [f"SKU-{i:04d}" for i in range(200)]
CHUNK = 5000
NOW = datetime.now(UTC)


def _order(n: int, rnd: random.Random) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    channel = rnd.choice(CHANNELS)
    placed = NOW - timedelta(seconds=rnd.randrange(60 * 86400))
    name = f"{rnd.choice(NAMES)} {n}"
    chosen = rnd.sample(SKUS, rnd.randint(1, 3))
    lines = [{"line_id": str(i), "sku": s, "name": s, "quantity": 1, "unit_price": 1500}
             for i, s in enumerate(chosen)]  # fmt: skip
    total = 1500 * len(lines)
    data = msgspec.convert(
        {
            "channel": channel, "external_id": f"EXT-{n}", "placed_at": placed.isoformat(),
            "currency": "EUR", "customer": {"name": name, "email": f"buyer{n}@example.com"},
            "shipping_address": {"name": name, "line1": "1 Way", "city": "Berlin",
                                 "postal_code": "10115", "country": "DE"},
            "lines": lines, "totals": {"subtotal": total, "total": total},
            "ship_by": (placed + timedelta(days=2)).isoformat(),
        },
        OrderData,
    )  # fmt: skip
    status = rnd.choices([s for s, _ in STATUSES], [w for _, w in STATUSES])[0]
    order_id = f"{n:026d}"
    number = f"H-{100000 + n}"
    row = {
        "id": order_id, "number": number, "public_ref": uuid.uuid4().hex[:24],
        "channel": channel, "external_id": f"EXT-{n}", "status": status,
        "held_from": "accepted" if status == "on_hold" else None, "placed_at": placed,
        "received_at": placed, "updated_at": placed + timedelta(hours=1), "currency": "EUR",
        "total": total, "content_hash": "0" * 64, "version": 1,
        "doc": msgspec.json.encode(data),
        "attention": "the channel changed a shipped order" if rnd.random() < 0.001 else None,
        "search": f"{number}\next-{n}\n{name.lower()}\nbuyer{n}@example.com".lower(),
        "payment_status": "paid", "paid_captured": total,
    }  # fmt: skip
    line_rows = [{"order_id": order_id, "position": i, "sku": s, "quantity": 1}
                 for i, s in enumerate(chosen)]  # fmt: skip
    return row, line_rows


def _events(order_id: str, placed: datetime, count: int) -> list[dict[str, Any]]:
    return [
        {"order_id": order_id, "at": placed + timedelta(minutes=i), "actor": "worker",
         "kind": KINDS[i % len(KINDS)], "from_status": None, "to_status": None,
         "detail": '{"reason":"bench"}' if i == 0 else None}
        for i in range(count)
    ]  # fmt: skip


async def _put(db: Database, table: Any, rows: list[dict[str, Any]]) -> None:
    """Bulk rows: COPY on PostgreSQL (asyncpg's binary copy, one per 50,000 rows), an
    executemany per 5,000 rows on SQLite."""
    pg = db.dialect == "postgresql"
    size = CHUNK * 10 if pg else CHUNK
    for i in range(0, len(rows), size):
        part = rows[i : i + size]
        async with db.write() as conn:
            if pg:
                raw = (await conn.get_raw_connection()).driver_connection
                names = list(part[0])
                records = [tuple(r[n] for n in names) for r in part]
                await raw.copy_records_to_table(table.name, columns=names, records=records)
            else:
                await conn.execute(insert(table), part)


async def fill(db: Database, count: int, events: int) -> str:
    """Fill the database; returns the id of an order with a fulfilment (for its page)."""
    rnd = random.Random(15)
    await _put(db, locations, [{"code": c, "name": c, "kind": k, "priority": p}
                               for c, k, p in (("main", "own", 1), ("3pl", "3pl", 2))])  # fmt: skip
    await _put(db, skus, [{"sku": s, "name": s, "attributes": "{}", "created_at": NOW,
                           "updated_at": NOW} for s in SKUS])  # fmt: skip
    await _put(db, stock_levels, [{"sku": s, "location": loc, "on_hand": 500, "reserved": 20}
                                  for s in SKUS for loc in ("main", "3pl")])  # fmt: skip
    open_fulfilment = ""
    for start in range(0, count, CHUNK):
        rows, lines, evs, fuls, flines = [], [], [], [], []
        for n in range(start, min(count, start + CHUNK)):
            row, line_rows = _order(n, rnd)
            rows.append(row)
            lines += line_rows
            evs += _events(row["id"], row["placed_at"], events)
            if row["status"] in ("released", "shipped", "delivered"):
                fid = f"F{n:025d}"
                state = "open" if row["status"] == "released" else "shipped"
                fuls.append({"id": fid, "order_id": row["id"], "location": "main",
                             "status": state, "created_at": row["placed_at"],
                             "updated_at": row["placed_at"]})  # fmt: skip
                flines += [{"fulfilment_id": fid, "position": li["position"], "sku": li["sku"],
                            "quantity": 1, "shipped": 0} for li in line_rows]  # fmt: skip
                open_fulfilment = row["id"]
        await _put(db, orders, rows)
        await _put(db, order_lines, lines)
        await _put(db, order_events, evs)
        await _put(db, fulfilments, fuls)
        await _put(db, fulfilment_lines, flines)
        print(f"  {start + len(rows)} orders", flush=True)
    moves = [{"at": NOW - timedelta(minutes=i), "sku": SKUS[i % len(SKUS)], "location": "main",
              "kind": "reserve", "quantity": 1, "on_hand_after": 500, "reserved_after": 20,
              "reason": "order", "source": "bench", "order_id": None}
             for i in range(count * 2)]  # fmt: skip
    await _put(db, stock_movements, moves)
    await _put(db, inbound_messages, [
        {"id": f"M{i:025d}", "connection": "shop-eu", "source": "webhook",
         "dedupe_key": f"d{i}", "topic": None, "received_at": NOW, "updated_at": NOW,
         "status": "quarantined" if i < 50 else "processed", "reason": "bench",
         "order_ids": "[]", "headers": "{}", "body": b'{"token": "s3cret", "id": 1}'}
        for i in range(count // 10)
    ])  # fmt: skip
    await _put(db, jobs, [
        {"kind": "bench.job", "payload": b"{}", "state": "dead" if i < 20 else "done",
         "attempts": 8, "max_attempts": 8, "run_at": NOW, "last_error": "bench",
         "created_at": NOW, "updated_at": NOW}
        for i in range(count)
    ])  # fmt: skip
    async with db.write() as conn:  # the rows bypassed the store: count them once
        await conn.run_sync(order_tally.recount)
    if db.dialect == "postgresql":
        async with db.write() as conn:
            await conn.execute(text("ANALYZE"))
    return open_fulfilment


def pages(order_id: str) -> dict[str, str]:
    since = (NOW - timedelta(days=3)).date().isoformat()
    return {
        "today": "/console",
        "orders": "/console/orders",
        "orders ?q=name": "/console/orders?q=grace+hopper+77",
        "orders ?channel": "/console/orders?channel=ebay-uk",
        "orders ?status=on_hold": "/console/orders?status=on_hold",
        "orders ?sku": "/console/orders?sku=SKU-0042",
        "orders ?since": f"/console/orders?since={since}",
        "order detail": f"/console/orders/{order_id}",
        "order confirm": f"/console/orders/{order_id}/hold",
        "inbound": "/console/inbound",
        "inbound message": "/console/inbound/M0000000000000000000000001",
        "jobs": "/console/jobs",
        "stock": "/console/stock?sku=SKU-0007",
        "catalog": "/console/catalog",
        "connections": "/console/connections",
        "routing (form)": "/console/routing",
        "returns": "/console/returns",
        "complaints ?overdue": "/console/complaints?overdue=true",
        "documents": "/console/documents",
        "mails ?status=failed": "/console/notifications?status=failed",
    }


async def measure(
    settings: Settings, order_id: str, requests: int
) -> dict[str, tuple[list[float], list[float]]]:
    """Per page: the wall times and the CPU times (this process, every thread: the app, the
    test client, SQLite's thread; not PostgreSQL's server) of each request, in ms."""
    db = Database(settings.database_url)
    _, key = await key_service.create(db, f"bench-{uuid.uuid4().hex[:6]}", ["admin"])
    await db.dispose()
    found: dict[str, tuple[list[float], list[float]]] = {}
    async with AsyncTestClient(app=create_app(settings, run_worker=False)) as client:
        r = await client.post("/console/sign-in", data={"key": key}, follow_redirects=False)
        cookie = {"Cookie": f"{COOKIE}={r.cookies[COOKIE]}"}
        client.cookies.clear()
        for name, path in pages(order_id).items():
            for _ in range(3):
                await client.get(path, headers=cookie)
            times: list[float] = []
            cpu: list[float] = []
            for _ in range(requests):
                start, start_cpu = time.perf_counter(), time.process_time()
                answer = await client.get(path, headers=cookie)
                times.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
                assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
            found[name] = (times, cpu)
    return found


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[18] if len(times) >= 2 else times[0]


def report(label: str, found: dict[str, tuple[list[float], list[float]]]) -> None:
    print(f"\n{label}: ms per page, wall p50 / p95, CPU p50 / p95 (load {_load()})")
    for name, (times, cpu) in found.items():
        wall = f"{statistics.median(times):7.1f} {_p95(times):7.1f}"
        print(f"  {name:24} {wall}   {statistics.median(cpu):7.1f} {_p95(cpu):7.1f}")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


async def run_case(url: str, args: argparse.Namespace, label: str) -> None:
    upgrade(url)
    db = Database(url)
    started = time.perf_counter()
    order_id = await fill(db, args.orders, args.events)
    await db.dispose()
    print(f"{label}: filled in {time.perf_counter() - started:.0f} s (load {_load()})", flush=True)
    report(label, await measure(Settings(database_url=url), order_id, args.requests))


async def _pg(admin: str, sql: str) -> None:
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def main(args: argparse.Namespace) -> None:
    events = args.orders * args.events
    print(f"{args.orders} orders, {events} events, {args.requests} requests per page")
    if "sqlite" in args.only:
        with tempfile.TemporaryDirectory() as folder:
            await run_case(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}", args, "SQLite")
    if "postgresql" in args.only:
        name = f"hub_bench_{uuid.uuid4().hex[:8]}"
        await _pg(args.pg_url, f'CREATE DATABASE "{name}"')
        try:
            url = normalise_database_url(args.pg_url.rsplit("/", 1)[0] + f"/{name}")
            await run_case(url, args, "PostgreSQL")
        finally:
            await _pg(args.pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=20, help="timeline events per order")
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page")
    parser.add_argument("--only", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parsed = parser.parse_args()
    parsed.only = parsed.only or ["sqlite", "postgresql"]
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request otherwise
    asyncio.run(main(parsed))
