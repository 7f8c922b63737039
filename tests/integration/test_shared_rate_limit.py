"""A connection's rate limit holds across workers: its token bucket lives in the database.

Two ``Worker`` instances, each on its own ``Database`` (its own pool, as two processes would
have), its own HTTP client and one job slot, push one channel's stock at the same time (two
push jobs for the channel, one figure per call), to a real local partner that notes when
each call came. The channel allows 5 calls a second with a burst of 1: in any one-second
window the partner sees at most 6 calls, however the calls fall between the workers. (With
a bucket per process, as before, it saw 10 in one second.)
"""

from __future__ import annotations

import asyncio
import time

import httpx
import msgspec

from hub.bootstrap import build_registry
from hub.clock import utcnow
from hub.config import Settings
from hub.connections import Connections
from hub.sdk import Connection as ChannelConnection
from hub.services import stock_sync
from hub.services.catalog import SkuIn, upsert_skus
from hub.services.jobs import JobContext
from hub.services.ratelimit import SharedBucket
from hub.services.stock import LocationIn, MovementIn, add_location, post_movements
from hub.services.stock_sync.jobs import PUSH_JOB, enqueue_again
from hub.store import stock_sync as store
from hub.store.database import Database
from hub.worker import Worker
from tests.faults.partner import answer, running
from tests.support.stock_channel import NAME, StockChannel

RATE = 5.0
SKUS = [f"SKU-{i:02d}" for i in range(16)]


def most_in_a_second(times: list[float]) -> int:
    """The most calls in any one-second window."""
    times = sorted(times)
    return max(sum(1 for u in times[i:] if u - t < 1.0) for i, t in enumerate(times))


async def test_two_workers_keep_to_one_connections_rate(settings: Settings, db: Database) -> None:
    await add_location(db, LocationIn(code="main", name="Main"))
    await upsert_skus(db, [SkuIn(s, s, listings={"ch": f"L-{s}"}) for s in SKUS])
    async with running(answer(200, {"rejected": {}})) as partner:
        connections = Connections(
            [
                ChannelConnection(
                    code="ch",
                    connector=NAME,
                    base_url=partner.url,
                    settings={
                        "stock_calls_per_second": RATE,
                        "stock_burst": 1,
                        "stock_batch_size": 1,
                    },
                )
            ],
            {NAME: StockChannel()},
        )
        # one job per worker: the two push jobs run on the two workers at once
        quick = msgspec.structs.replace(settings, worker_poll_seconds=0.02, worker_concurrency=1)
        await post_movements(
            db, [MovementIn("receipt", s, "main", 3, "opening") for s in SKUS], actor="test"
        )
        found = stock_sync.targets(connections)
        await db.run_write(lambda conn: stock_sync.fan_out(conn, found))  # rows, a push job
        started = time.monotonic()
        by_worker = await _two_workers(quick, connections)
        took = time.monotonic() - started

    calls = [s.at for s in partner.calls("/stock")]
    assert len(calls) >= len(SKUS)
    peak = most_in_a_second(calls)
    print(f"\n{len(calls)} calls in {took:.1f} s; at most {peak} in one second (rate {RATE:g})")
    assert peak <= RATE + 1, f"{peak} calls in one second"
    async with db.read() as conn:
        rows = await conn.run_sync(lambda c: store.state(c, connection="ch", limit=100))
    assert [r.sku for r in rows if r.pending] == []
    # both workers took part (how the calls split between them is the scheduler's: 14/2 seen)
    assert min(by_worker.values()) >= 1, f"both workers push: {by_worker}"


async def _two_workers(settings: Settings, connections: Connections) -> dict[str, int]:
    """Run two workers on two Database objects until nothing is pending (two push jobs for
    the channel, so that both push at once); the partner calls each made."""
    registry = build_registry(settings, connections)
    dbs = [Database(settings.database_url), Database(settings.database_url)]
    names = ("w1", "w2")
    made = dict.fromkeys(names, 0)

    def counting(name: str) -> httpx.AsyncClient:
        async def count(request: httpx.Request) -> None:
            made[name] += 1

        return httpx.AsyncClient(event_hooks={"request": [count]})

    clients = [counting(n) for n in names]
    stop = asyncio.Event()
    workers = [
        Worker(
            d,
            registry,
            settings,
            name=n,
            context=JobContext(db=d, settings=settings, connections=connections, http=c),
        )
        for d, c, n in zip(dbs, clients, names, strict=True)
    ]
    try:
        await dbs[0].run_write(lambda conn: enqueue_again(conn, PUSH_JOB, "ch", now=utcnow()))
        tasks = [asyncio.create_task(w.run(stop)) for w in workers]
        await _until_synced(dbs[0], within=20)
        stop.set()
        await asyncio.gather(*tasks)
    finally:
        stop.set()
        for c in clients:
            await c.aclose()
        for d in dbs:
            await d.dispose()
    return made


async def _until_synced(db: Database, *, within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        async with db.read() as conn:
            rows = await conn.run_sync(lambda c: store.state(c, connection="ch", limit=100))
        if len(rows) == len(SKUS) and not any(r.pending for r in rows):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the channel's stock was not pushed in time")


async def test_a_shared_bucket_on_two_databases_hands_out_rate_tokens_a_second(
    settings: Settings,
) -> None:
    """The bucket itself: eight takers on two Database objects, 2 s: at most rate x 2 + burst."""
    one, two = Database(settings.database_url), Database(settings.database_url)
    granted: list[float] = []

    async def taker(db: Database, until: float) -> None:
        bucket = SharedBucket(db, "test:shared", rate=RATE, burst=2)
        while time.monotonic() < until:
            wait = await bucket.try_take()
            if wait == 0:
                granted.append(time.monotonic())
            else:
                await asyncio.sleep(min(wait, 0.05))

    try:
        until = time.monotonic() + 2.0
        await asyncio.gather(*(taker(d, until) for d in (one, two) for _ in range(4)))
    finally:
        await one.dispose()
        await two.dispose()
    # never more than the rate over both databases' takers; a loaded machine may grant fewer
    assert RATE <= len(granted) <= RATE * 2 + 2, len(granted)
