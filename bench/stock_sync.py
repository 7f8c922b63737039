"""Stock sync out benchmark: how fast a stock change reaches ten channels, and a full resync.

Ten connections of the test stock connector (``tests/support/stock_channel.py``: one
``POST /stock`` per batch) point at a small HTTP/1.1 keep-alive server on 127.0.0.1 in the
same process (``asyncio.start_server``; it decodes each batch and records when each figure
arrived). The hub's own code runs as in production: ``post_movements``, the worker
(``Worker.run`` in a task: fan-out job, one push job per connection) and ``resync``.

(a) latency: one receipt on a SKU listed on all ten channels, from ``post_movements``
    returning to the last of the ten channels receiving the new figure; ``--changes`` times.
(b) resync: every one of ``--skus`` SKUs (listed on all ten, batch size 100) forced to all
    ten channels at once: wall time, partner calls and figures per second.

On SQLite (a temp file) and on PostgreSQL (a scratch database at ``--pg-url``, created,
migrated and dropped) when reachable::

    .venv/bin/python bench/stock_sync.py
    .venv/bin/python bench/stock_sync.py --skus 2000 --changes 20 --only sqlite
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import msgspec

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.support.stock_channel

from hub.bootstrap import build_registry  # noqa: E402
from hub.config import Settings, normalise_database_url  # noqa: E402
from hub.connections import Connections  # noqa: E402
from hub.sdk import Connection  # noqa: E402
from hub.services import stock_sync  # noqa: E402
from hub.services.catalog import SkuIn, upsert_skus  # noqa: E402
from hub.services.jobs import JobContext  # noqa: E402
from hub.services.stock import LocationIn, MovementIn, add_location, post_movements  # noqa: E402
from hub.store.database import Database  # noqa: E402
from hub.store.migrate import upgrade  # noqa: E402
from hub.worker import Worker  # noqa: E402
from tests.support.stock_channel import NAME, StockChannel  # noqa: E402

HOST = "127.0.0.1"
CHANNELS = [f"ch-{i:02d}" for i in range(10)]
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432"
HOT_SKU = "HOT-SKU"


# --------------------------------------------------------------------------- the partner


@dataclass
class Partner:
    """Ten channels' stock APIs on one port: ``POST /<channel>/stock`` and ``/<channel>/read``."""

    calls: int = 0
    figures: int = 0
    last: dict[tuple[str, str], tuple[int, float]] = field(default_factory=dict)
    waiters: list[tuple[str, int, asyncio.Future[float]]] = field(default_factory=list)

    def arrived(self, channel: str, body: dict[str, Any], at: float) -> None:
        self.calls += 1
        self.figures += len(body["figures"])
        for f in body["figures"]:
            self.last[(channel, f["sku"])] = (f["quantity"], at)
        if self.waiters:
            for sku, quantity, fut in self.waiters:
                seen = [self.last.get((c, sku)) for c in CHANNELS]
                if not fut.done() and all(s is not None and s[0] >= quantity for s in seen):
                    fut.set_result(max(s[1] for s in seen if s is not None))

    def all_have(self, sku: str, quantity: int) -> asyncio.Future[float]:
        """Resolves to the arrival time of the last channel to see ``quantity`` of ``sku``."""
        fut: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiters = [w for w in self.waiters if not w[2].done()] + [(sku, quantity, fut)]
        return fut

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                _, path, _ = lines[0].split(" ", 2)
                length = 0
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                raw = await reader.readexactly(length) if length else b""
                now = time.perf_counter()
                channel, _, action = path.strip("/").partition("/")
                body = msgspec.json.decode(raw) if raw else {}
                if action == "stock":
                    self.arrived(channel, body, now)
                    answer = b'{"rejected":{}}'
                else:
                    answer = msgspec.json.encode(
                        {
                            f["sku"]: self.last[(channel, f["sku"])][0]
                            for f in body.get("figures", [])
                            if (channel, f["sku"]) in self.last
                        }
                    )
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(answer)}\r\n\r\n".encode()
                    + answer
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


# --------------------------------------------------------------------------- the hub


@dataclass
class Bench:
    db: Database
    ctx: JobContext
    settings: Settings
    partner: Partner


@contextlib.asynccontextmanager
async def hub_on(url: str, poll: float) -> AsyncIterator[Bench]:
    partner = Partner()
    server = await asyncio.start_server(partner.handle, HOST, 0)
    port = server.sockets[0].getsockname()[1]
    settings = Settings(database_url=url, worker_poll_seconds=poll, worker_concurrency=10)
    connections = Connections(
        [
            Connection(code=c, connector=NAME, base_url=f"http://{HOST}:{port}/{c}")
            for c in CHANNELS
        ],
        {NAME: StockChannel(100)},
    )
    db = Database(url)
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    try:
        async with httpx.AsyncClient(limits=limits, timeout=30.0) as client:
            ctx = JobContext(db=db, settings=settings, connections=connections, http=client)
            yield Bench(db, ctx, settings, partner)
    finally:  # the client has closed its connections: the handlers have returned
        await db.dispose()
        server.close()
        await server.wait_closed()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def latency(bench: Bench, changes: int, gap: float) -> dict[str, float]:
    """(a): post_movements returning -> the last of the ten channels has the new figure."""
    db = bench.db
    await upsert_skus(db, [SkuIn(HOT_SKU, "Hot", listings={c: f"L-{c}" for c in CHANNELS})])
    stop = asyncio.Event()
    worker = Worker(db, build_registry(bench.settings, bench.ctx.connections), bench.settings,
                    context=bench.ctx)  # fmt: skip
    task = asyncio.create_task(worker.run(stop))
    await asyncio.wait_for(bench.partner.all_have(HOT_SKU, 0), 30)  # the listing's first figure
    samples = []
    try:
        for i in range(1, changes + 1):
            arrived = bench.partner.all_have(HOT_SKU, i)
            await post_movements(db, [MovementIn("receipt", HOT_SKU, "main", 1, "bench")],
                                 actor="bench")  # fmt: skip
            t0 = time.perf_counter()
            last = await asyncio.wait_for(arrived, 30)
            samples.append((last - t0) * 1000)
            await asyncio.sleep(gap)
    finally:
        stop.set()
        await task
    return {
        "n": len(samples),
        # changes that waited for the worker's poll timeout (a wake-up signal was missed)
        "slow": sum(1 for x in samples if x >= 900 * bench.settings.worker_poll_seconds),
        "p50": statistics.median(samples),
        "p99": pct(samples, 99),
        "max": max(samples),
    }


async def resync(bench: Bench, skus: int) -> dict[str, float]:
    """(b): every SKU forced to all ten channels, batches of 100."""
    db = bench.db
    names = [f"SKU-{i:06d}" for i in range(skus)]
    for start in range(0, skus, 1000):
        chunk = names[start : start + 1000]
        await upsert_skus(
            db, [SkuIn(s, s, listings={c: f"{c}-{s}" for c in CHANNELS}) for s in chunk]
        )
        await post_movements(
            db, [MovementIn("receipt", s, "main", 5 + i % 7, "bench") for i, s in enumerate(chunk)],
            actor="bench",
        )  # fmt: skip
    calls, figures = bench.partner.calls, bench.partner.figures
    t0 = time.perf_counter()
    summaries = await stock_sync.resync(bench.ctx)
    wall = time.perf_counter() - t0
    sent = bench.partner.figures - figures
    expected = len(CHANNELS) * (skus + 1)  # the hot SKU of (a) is listed too
    assert sent == expected == sum(s.pushed for s in summaries), (sent, expected)
    return {
        "wall_s": wall,
        "calls": bench.partner.calls - calls,
        "figures": sent,
        "figures_per_s": sent / wall,
    }


async def run_case(url: str, args: argparse.Namespace) -> dict[str, dict[str, float]]:
    skus = args.skus
    async with hub_on(url, args.poll) as bench:
        await add_location(bench.db, LocationIn(code="main", name="Main"))
        a = await latency(bench, args.changes, args.gap)
        b = await resync(bench, skus)
    return {"latency": a, "resync": b}


# --------------------------------------------------------------------------- databases


async def pg_admin(base: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(f"{base}/postgres", timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def sqlite_case(args: argparse.Namespace) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory(prefix="hub-bench-stock-") as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/hub.db"
        upgrade(url)
        return asyncio.run(run_case(url, args))


def postgres_case(args: argparse.Namespace) -> dict[str, dict[str, float]] | str:
    base = args.pg_url
    name = f"hub_bench_stock_{uuid.uuid4().hex[:8]}"
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
    parser.add_argument("--skus", type=int, default=10_000, help="SKUs in the full resync")
    parser.add_argument("--changes", type=int, default=50, help="stock changes timed in (a)")
    parser.add_argument("--gap", type=float, default=0.01, help="seconds between changes")
    parser.add_argument("--poll", type=float, default=1.0, help="worker_poll_seconds")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="PostgreSQL server (no db)")
    parser.add_argument("--only", action="append", choices=["sqlite", "postgres"])
    args = parser.parse_args()
    chosen = args.only or ["sqlite", "postgres"]
    results: dict[str, dict[str, dict[str, float]] | str] = {}
    if "sqlite" in chosen:
        results["sqlite"] = sqlite_case(args)
    if "postgres" in chosen:
        results["postgres"] = postgres_case(args)

    print(f"\nstock sync out: {len(CHANNELS)} channels, test connector, batch size 100")
    print(
        f"(a) one change -> last of {len(CHANNELS)} channels has it ({args.changes} changes, "
        f"{args.gap * 1000:.0f} ms apart, worker_poll_seconds {args.poll})"
    )
    print(f"(b) full resync of {args.skus:,} SKUs (+1) to every channel\n")
    head = f"{'database':<10} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'>=poll':>6} | "
    head += f"{'resync s':>9} {'calls':>6} {'figures':>8} {'figures/s':>10}"
    print(head)
    print("-" * len(head))
    for name, r in results.items():
        if isinstance(r, str):
            print(f"{name:<10} {r}")
            continue
        a, b = r["latency"], r["resync"]
        print(
            f"{name:<10} {a['p50']:>8.1f} {a['p99']:>8.1f} {a['max']:>8.1f} {a['slow']:>6.0f} | "
            f"{b['wall_s']:>9.2f} {b['calls']:>6.0f} {b['figures']:>8.0f} "
            f"{b['figures_per_s']:>10.0f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
