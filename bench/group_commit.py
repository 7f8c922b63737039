"""One group commit in process: CPU and wall time per order of ``write_batch``, no HTTP.

The order writer's transaction alone (dedupe lookups, numbers, the order, line, event, job
and payment rows, the commit) for ``--batches`` batches of ``--size`` new orders (the 3-line
order of ``ingest.py``), on a fresh SQLite file and a scratch PostgreSQL database. CPU time
is this process's (``time.process_time``: PostgreSQL's own work is not in it), so the figure
holds on a busy machine where ``ingest.py``'s orders/s does not::

    .venv/bin/python bench/group_commit.py
    .venv/bin/python bench/group_commit.py --only sqlite --batches 80
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import secrets
import subprocess
import tempfile
import time

import msgspec
from ingest import DEFAULT_PG_URL, ROOT, hub_exe, order_document, pg_admin

from hub.clock import utcnow
from hub.domain.order import OrderData
from hub.services.intake.batch import IngestRequest, content_hash, write_batch
from hub.store.database import Database


def batches(count: int, size: int) -> list[list[tuple[IngestRequest, str]]]:
    doc = order_document()
    out = []
    for b in range(count):
        batch = []
        for i in range(size):
            doc["external_id"] = f"gc-{b}-{i}"
            data = msgspec.structs.replace(msgspec.convert(doc, OrderData), channel="api")
            batch.append((IngestRequest(data=data, actor="bench"), content_hash(data)))
        out.append(batch)
    return out


async def measure(url: str, work: list[list[tuple[IngestRequest, str]]]) -> tuple[float, float]:
    """CPU and wall µs per order."""
    db = Database(url)
    try:
        await db.run_write(functools.partial(write_batch, work[0], now=utcnow(), max_attempts=5))
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for batch in work[1:]:
            await db.run_write(functools.partial(write_batch, batch, now=utcnow(), max_attempts=5))
        orders = sum(len(b) for b in work[1:])
        return (
            1e6 * (time.process_time() - cpu0) / orders,
            1e6 * (time.perf_counter() - wall0) / orders,
        )
    finally:
        await db.dispose()


def migrate(plain_url: str) -> None:
    env = {**os.environ, "HUB_DATABASE_URL": plain_url}
    subprocess.run([hub_exe(), "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--only", action="append", choices=["sqlite", "postgres"])
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    args = parser.parse_args()
    kinds = args.only or ["sqlite", "postgres"]
    print(f"write_batch, {args.batches} batches of {args.size} new 3-line orders (first not timed)")
    for kind in kinds:
        work = batches(args.batches + 1, args.size)
        if kind == "sqlite":
            with tempfile.TemporaryDirectory(prefix="hub-gc-") as tmp:
                migrate(f"sqlite:///{tmp}/gc.db")
                cpu, wall = asyncio.run(measure(f"sqlite+aiosqlite:///{tmp}/gc.db", work))
        else:
            name = f"hub_gc_{secrets.token_hex(4)}"
            pg_admin(args.pg_url, f'CREATE DATABASE "{name}"')
            try:
                base = args.pg_url.rstrip("/")
                migrate(f"{base}/{name}")
                url = f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://", 1)
                cpu, wall = asyncio.run(measure(url, work))
            finally:
                pg_admin(args.pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        print(f"  {kind:<9} {cpu:6.0f} CPU µs/order  {wall:6.0f} wall µs/order")


if __name__ == "__main__":
    main()
