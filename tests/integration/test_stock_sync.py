"""Stock sync out, through the worker, on a real database (SQLite and PostgreSQL).

The path under test: ``post_movements`` -> ``stock_dirty`` -> ``stock.fanout`` -> pending
``stock_sync`` rows -> ``stock.push`` per connection -> ``connector.push_stock``. The channel
is the test connector of ``tests/support/stock_channel.py``; only its partner API is faked
(respx, one base URL per connection), so every assertion is on the exact calls a channel
received.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import msgspec
import pytest
import respx
from sqlalchemy import delete, update

from hub.bootstrap import build_registry
from hub.clock import utcnow
from hub.config import Settings
from hub.connections import Connections
from hub.sdk import Connection as ChannelConnection
from hub.services import stock_sync
from hub.services.catalog import SkuIn, upsert_skus
from hub.services.jobs import JobContext, RetryLater
from hub.services.stock import LocationIn, MovementIn, add_location, post_movements
from hub.services.subscriptions import manage
from hub.store import jobs as job_store
from hub.store import stock_sync as store
from hub.store import subscriptions as sub_store
from hub.store.database import Database
from hub.store.jobs import Job
from hub.store.tables import jobs
from hub.worker import Worker
from tests.integration.test_webhook_outbox import public_dns
from tests.support.stock_channel import NAME, FakeStockApi, StockChannel

SKU = "TEE-BLK-M"


def base_url(code: str) -> str:
    return f"https://{code}.stock.test"


@dataclass
class Hubside:
    """The hub's side of a test: database, job context, a worker, and each channel's API."""

    db: Database
    ctx: JobContext
    worker: Worker
    api: dict[str, FakeStockApi]

    async def drain(self) -> int:
        """Run the worker until it finds nothing due; returns how many jobs it ran."""
        total = 0
        while n := await self.worker.run_once():
            total += n
        return total

    async def fan_out_only(self) -> int:
        """The fan-out step alone (dirty SKUs -> pending rows), no partner call."""
        found = stock_sync.targets(self.ctx.connections)
        return await self.db.run_write(lambda conn: stock_sync.fan_out(conn, found))

    async def rows(self, code: str, sku: str | None = None) -> list[Any]:
        async with self.db.read() as conn:
            return await conn.run_sync(
                lambda c: store.state(c, connection=code, sku=sku, limit=10_000)
            )

    async def row(self, code: str, sku: str = SKU) -> Any:
        [found] = await self.rows(code, sku)
        return found

    async def jobs(self, kind: str, state: str | None = None) -> list[Job]:
        async with self.db.read() as conn:
            return await job_store.list_jobs(conn, state=state, kind=kind, after=None, limit=1000)

    def clear(self) -> None:
        for api in self.api.values():
            api.clear()


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as mock:
        yield mock


@pytest.fixture
async def make_hub(
    db: Database, settings: Settings, router: respx.MockRouter
) -> AsyncIterator[Any]:
    """``make_hub({code: settings}, batch_size=100)`` -> Hubside, with location ``main``."""
    clients: list[httpx.AsyncClient] = []

    async def make(channels: dict[str, dict[str, Any]], *, batch_size: int = 100) -> Hubside:
        connections = Connections(
            [
                ChannelConnection(code=c, connector=NAME, base_url=base_url(c), settings=s)
                for c, s in channels.items()
            ],
            {NAME: StockChannel(batch_size)},
        )
        clients.append(httpx.AsyncClient())
        ctx = JobContext(db=db, settings=settings, connections=connections, http=clients[-1])
        worker = Worker(db, build_registry(settings, connections), settings, context=ctx)
        await add_location(db, LocationIn(code="main", name="Main"))
        api = {c: FakeStockApi(router, base_url(c)) for c in channels}
        return Hubside(db, ctx, worker, api)

    yield make
    for client in clients:
        await client.aclose()


async def listed(db: Database, skus: list[str], codes: list[str]) -> None:
    """Put ``skus`` in the catalog, each listed on every connection of ``codes``."""
    await upsert_skus(
        db, [SkuIn(s, s.title(), listings={c: f"{c}:{s}" for c in codes}) for s in skus]
    )


async def receive(db: Database, sku: str, quantity: int, location: str = "main") -> None:
    await post_movements(
        db, [MovementIn("receipt", sku, location, quantity, "delivery")], actor="t"
    )


async def adjust(db: Database, sku: str, quantity: int, location: str = "main") -> None:
    await post_movements(
        db, [MovementIn("adjustment", sku, location, quantity, "shelf check")], actor="t"
    )


RULES = {
    "ch-share": {"stock_share": 50},
    "ch-cap": {"stock_cap": 2},
    "ch-buffer": {"stock_buffer": 1},
}


async def test_one_receipt_reaches_each_channel_once_with_its_own_figure(make_hub: Any) -> None:
    hub = await make_hub(RULES)
    await listed(hub.db, [SKU], list(RULES))
    await hub.drain()  # the new listing's figure (0) goes out first
    assert {c: a.figures() for c, a in hub.api.items()} == {
        c: [[(SKU, f"{c}:{SKU}", 0)]] for c in RULES
    }
    hub.clear()

    before = utcnow()
    await receive(hub.db, SKU, 7)
    await hub.drain()

    expected = {"ch-share": 3, "ch-cap": 2, "ch-buffer": 6}  # 7 * 50% ; min(7, 2) ; 7 - 1
    for code, figure in expected.items():
        assert hub.api[code].figures() == [[(SKU, f"{code}:{SKU}", figure)]], code
        assert hub.api[code].attempts == 1
        assert len(hub.api[code].pushes[0]["key"]) == 40  # the hub's idempotency key
        row = await hub.row(code)
        assert (row.pending, row.force, row.pushed_quantity, row.last_error, row.attempts) == (
            False, False, figure, None, 0,
        )  # fmt: skip
        assert row.pushed_at is not None and row.pushed_at >= before
    for state in ("pending", "retrying", "dead"):
        assert not await hub.jobs(stock_sync.PUSH_JOB, state), state


async def test_three_movements_before_the_worker_runs_send_only_the_newest(
    make_hub: Any,
) -> None:
    hub = await make_hub(RULES)
    await listed(hub.db, [SKU], list(RULES))
    await hub.drain()
    hub.clear()

    await receive(hub.db, SKU, 5)
    await adjust(hub.db, SKU, -2)
    await receive(hub.db, SKU, 9)  # 12 on hand
    await hub.drain()

    for code, figure in {"ch-share": 6, "ch-cap": 2, "ch-buffer": 11}.items():
        assert hub.api[code].figures() == [[(SKU, f"{code}:{SKU}", figure)]], code


async def test_250_changed_skus_go_in_batches_of_100(make_hub: Any) -> None:
    hub = await make_hub(RULES, batch_size=100)
    skus = [f"SKU-{i:03d}" for i in range(250)]
    await listed(hub.db, skus, list(RULES))
    await hub.drain()
    hub.clear()

    await post_movements(
        hub.db, [MovementIn("receipt", s, "main", 4, "delivery") for s in skus], actor="t"
    )
    await hub.drain()

    for code, figure in {"ch-share": 2, "ch-cap": 2, "ch-buffer": 3}.items():
        calls = hub.api[code].figures()
        assert [len(c) for c in calls] == [100, 100, 50], code
        sent = [f for call in calls for f in call]
        assert sorted(sent) == [(s, f"{code}:{s}", figure) for s in skus]
        assert len({body["key"] for body in hub.api[code].pushes}) == 3
    assert not [r for r in await hub.rows("ch-cap") if r.pending]


async def test_a_connection_may_lower_the_batch_size_and_its_bucket_paces_the_calls(
    make_hub: Any,
) -> None:
    small = {"stock_batch_size": 40, "stock_calls_per_second": 0.001, "stock_burst": 2}
    hub = await make_hub({"ch-small": small, "ch-big": {"stock_batch_size": 500}})
    skus = [f"SKU-{i:03d}" for i in range(100)]
    await listed(hub.db, skus, ["ch-small", "ch-big"])
    await hub.fan_out_only()  # 100 rows pending on each

    with pytest.raises(RetryLater, match="rate limit") as waited:
        await stock_sync.push(hub.ctx, "ch-small")  # two calls of 40, then the bucket is empty
    assert [len(c) for c in hub.api["ch-small"].figures()] == [40, 40]
    assert waited.value.after_seconds > 900  # one token per 1,000 s
    assert len([r for r in await hub.rows("ch-small") if r.pending]) == 20

    await stock_sync.push(hub.ctx, "ch-big")  # at most the connector's own 100 a call
    assert [len(c) for c in hub.api["ch-big"].figures()] == [100]


async def test_only_listed_skus_go_to_a_connection_unless_it_takes_all(make_hub: Any) -> None:
    hub = await make_hub({"ch-listed": {}, "ch-all": {"stock_skus": "all"}})
    await upsert_skus(
        hub.db,
        [SkuIn("A-1", "Listed", listings={"ch-listed": "L-A1"}), SkuIn("B-2", "Unlisted")],
    )
    await hub.drain()
    hub.clear()

    await post_movements(
        hub.db,
        [
            MovementIn("receipt", "A-1", "main", 1, "delivery"),
            MovementIn("receipt", "B-2", "main", 2, "delivery"),
            MovementIn("receipt", "C-3", "main", 3, "delivery"),  # not even in the catalog
        ],
        actor="t",
    )
    await hub.drain()

    assert hub.api["ch-listed"].figures() == [[("A-1", "L-A1", 1)]]
    [call] = hub.api["ch-all"].figures()
    assert sorted(call) == [("A-1", None, 1), ("B-2", None, 2), ("C-3", None, 3)]
    assert [r.sku for r in await hub.rows("ch-listed")] == ["A-1"]


async def test_unchanged_figure_is_not_sent_again_but_a_resync_sends_it(make_hub: Any) -> None:
    hub = await make_hub({"ch-main": {"stock_locations": ["main"]}, "ch-any": {}})
    await add_location(hub.db, LocationIn(code="shop", name="Shop"))
    await listed(hub.db, [SKU], ["ch-main", "ch-any"])
    await receive(hub.db, SKU, 5, "main")
    await receive(hub.db, SKU, 4, "shop")
    await hub.drain()
    assert hub.api["ch-main"].figures()[-1] == [(SKU, f"ch-main:{SKU}", 5)]
    pushed_at = (await hub.row("ch-main")).pushed_at
    hub.clear()

    await adjust(hub.db, SKU, -1, "shop")  # a location ch-main is not served from
    await hub.drain()

    assert hub.api["ch-any"].figures() == [[(SKU, f"ch-any:{SKU}", 8)]]
    assert hub.api["ch-main"].attempts == 0
    row = await hub.row("ch-main")
    assert (row.pending, row.pushed_quantity, row.pushed_at) == (False, 5, pushed_at)

    [summary] = await stock_sync.resync(hub.ctx, ["ch-main"])
    assert (summary.calls, summary.pushed, summary.unchanged) == (1, 1, 0)
    assert hub.api["ch-main"].figures() == [[(SKU, f"ch-main:{SKU}", 5)]]
    assert hub.api["ch-any"].attempts == 1  # not resynced
    row = await hub.row("ch-main")
    assert (row.pending, row.force) == (False, False)
    assert row.pushed_at > pushed_at


@pytest.mark.parametrize(("status", "wait"), [(429, 30), (503, 20)])
async def test_a_channel_that_says_later_waits_alone(make_hub: Any, status: int, wait: int) -> None:
    hub = await make_hub(RULES)
    await listed(hub.db, [SKU], list(RULES))
    await hub.drain()
    hub.clear()
    hub.api["ch-cap"].fail_next = [
        httpx.Response(
            status,
            headers={"Retry-After": str(wait), "X-Shop-Token": "shpat_not_for_logs"},
            text='{"errors": "Throttled for customer jane@example.com"}',
        )
    ]

    await receive(hub.db, SKU, 7)
    before = utcnow()
    # the fan-out, then in the same pass the three pushes it queued, run side by side
    assert await hub.worker.run_once() == 4
    after = utcnow()

    assert hub.api["ch-share"].figures() == [[(SKU, f"ch-share:{SKU}", 3)]]
    assert hub.api["ch-buffer"].figures() == [[(SKU, f"ch-buffer:{SKU}", 6)]]
    assert (hub.api["ch-cap"].attempts, hub.api["ch-cap"].pushes) == (1, [])
    row = await hub.row("ch-cap")
    assert row.pending and row.attempts == 1 and row.pushed_quantity == 0
    assert str(status) in row.last_error
    for secret in ("jane@example.com", "shpat_not_for_logs", "Throttled"):
        assert secret not in row.last_error
    [job] = await hub.jobs(stock_sync.PUSH_JOB, "retrying")
    assert job.payload == {"connection": "ch-cap"}
    assert before + timedelta(seconds=wait) <= job.run_at <= after + timedelta(seconds=wait)
    assert job.last_error is not None and "jane@example.com" not in job.last_error
    assert await hub.drain() == 0  # nothing is due before the partner's wait is over

    async def due_now(conn: Any) -> None:
        await conn.execute(update(jobs).where(jobs.c.id == job.id).values(run_at=utcnow()))

    async with hub.db.write() as conn:
        await due_now(conn)
    await hub.drain()

    assert hub.api["ch-cap"].figures() == [[(SKU, f"ch-cap:{SKU}", 2)]]
    assert hub.api["ch-cap"].attempts == 2
    row = await hub.row("ch-cap")
    assert (row.pending, row.attempts, row.last_error, row.pushed_quantity) == (False, 0, None, 2)
    assert [j.state for j in await hub.jobs(stock_sync.PUSH_JOB) if j.id == job.id] == ["done"]
    assert hub.api["ch-share"].attempts == hub.api["ch-buffer"].attempts == 1


async def test_a_refused_sku_is_marked_and_the_others_are_pushed(make_hub: Any) -> None:
    hub = await make_hub({"ch": {}})
    skus = ["A-1", "B-2", "C-3"]
    await listed(hub.db, skus, ["ch"])
    await hub.drain()
    hub.clear()
    hub.api["ch"].reject = {"B-2": "unknown listing"}

    await post_movements(
        hub.db, [MovementIn("receipt", s, "main", 5, "delivery") for s in skus], actor="t"
    )
    await hub.drain()

    [call] = hub.api["ch"].figures()
    assert sorted(call) == [(s, f"ch:{s}", 5) for s in skus]
    rows = {r.sku: r for r in await hub.rows("ch")}
    assert (rows["B-2"].pending, rows["B-2"].last_error, rows["B-2"].pushed_quantity) == (
        False, "unknown listing", 0,
    )  # fmt: skip
    for s in ("A-1", "C-3"):
        assert (rows[s].pending, rows[s].last_error, rows[s].pushed_quantity) == (False, None, 5)
    for state in ("pending", "retrying", "dead"):
        assert not await hub.jobs(stock_sync.PUSH_JOB, state), state

    hub.clear()  # the listing is fixed on the channel; the next change goes through
    hub.api["ch"].reject = {}
    await receive(hub.db, "B-2", 1)
    await hub.drain()
    assert hub.api["ch"].figures() == [[("B-2", "ch:B-2", 6)]]
    row = await hub.row("ch", "B-2")
    assert (row.pending, row.last_error, row.pushed_quantity) == (False, None, 6)


async def test_a_change_during_a_push_keeps_the_row_pending(make_hub: Any) -> None:
    hub = await make_hub({"ch": {}})
    await listed(hub.db, [SKU], ["ch"])
    await hub.drain()
    hub.clear()

    await receive(hub.db, SKU, 5)
    await hub.fan_out_only()
    read = await hub.row("ch")  # what a push job read before calling the partner
    assert read.pending
    await receive(hub.db, SKU, 3)  # lands while that push is in flight
    await hub.fan_out_only()

    now = utcnow()
    await hub.db.run_write(
        lambda conn: store.record_pushed(conn, "ch", [(SKU, read.version, 5)], now=now)
    )
    row = await hub.row("ch")
    assert row.pending and row.version == read.version + 1 and row.pushed_quantity == 0

    await hub.drain()
    assert hub.api["ch"].figures() == [[(SKU, f"ch:{SKU}", 8)]]
    row = await hub.row("ch")
    assert (row.pending, row.pushed_quantity) == (False, 8)


async def test_drift_is_recorded_and_the_hub_figure_pushed_again(make_hub: Any) -> None:
    hub = await make_hub({"ch": {"stock_buffer": 2}})
    await listed(hub.db, [SKU, "OTHER"], ["ch"])
    await receive(hub.db, SKU, 7)
    await receive(hub.db, "OTHER", 3)
    await hub.drain()
    assert hub.api["ch"].shown == {SKU: 5, "OTHER": 1}
    hub.clear()
    hub.api["ch"].shown[SKU] = 9  # someone edited the figure on the channel

    summary = await stock_sync.check_drift(hub.ctx, "ch")

    assert (summary.checked, summary.drifted) == (2, 1)
    assert hub.api["ch"].reads == 1
    async with hub.db.read() as conn:
        found = await conn.run_sync(lambda c: store.drift(c, connection="ch", limit=10))
    assert [(d.sku, d.hub_quantity, d.channel_quantity) for d in found] == [(SKU, 5, 9)]
    row = await hub.row("ch")
    assert row.pending and row.force and row.pushed_quantity == 5
    assert not (await hub.row("ch", "OTHER")).pending

    await hub.drain()
    assert hub.api["ch"].figures() == [[(SKU, f"ch:{SKU}", 5)]]  # the same figure, forced
    assert hub.api["ch"].shown[SKU] == 5
    row = await hub.row("ch")
    assert (row.pending, row.force) == (False, False)
    again = await stock_sync.check_drift(hub.ctx, "ch")
    assert (again.checked, again.drifted) == (2, 0)


async def test_a_component_change_moves_its_bundle(make_hub: Any) -> None:
    hub = await make_hub({"ch-plain": {}, "ch-share": {"stock_share": 50}})
    codes = ["ch-plain", "ch-share"]
    await upsert_skus(
        hub.db,
        [
            SkuIn("PART-A", "A", listings={c: f"{c}:A" for c in codes}),
            SkuIn("PART-B", "B", listings={c: f"{c}:B" for c in codes}),
            SkuIn(
                "KIT",
                "Kit",
                listings={c: f"{c}:KIT" for c in codes},
                components={"PART-A": 2, "PART-B": 1},
            ),
        ],
    )
    await post_movements(
        hub.db,
        [
            MovementIn("receipt", "PART-A", "main", 10, "delivery"),
            MovementIn("receipt", "PART-B", "main", 3, "delivery"),
        ],
        actor="t",
    )
    await hub.drain()
    assert hub.api["ch-plain"].shown == {"PART-A": 10, "PART-B": 3, "KIT": 3}  # min(10//2, 3)
    assert hub.api["ch-share"].shown == {"PART-A": 5, "PART-B": 1, "KIT": 1}  # min(5//2, 1)
    hub.clear()

    await adjust(hub.db, "PART-A", -6)  # 4 left: two kits on ch-plain
    await hub.fan_out_only()
    pending = {(c, r.sku) for c in codes for r in await hub.rows(c) if r.pending}
    assert pending == {(c, s) for c in codes for s in ("PART-A", "KIT")}

    await hub.drain()
    assert sorted(hub.api["ch-plain"].figures()[0]) == [
        ("KIT", "ch-plain:KIT", 2),
        ("PART-A", "ch-plain:A", 4),
    ]
    # ch-share: A shows 2, so min(2//2, 1) = 1 kit, as before: the kit's figure is not resent
    assert hub.api["ch-share"].figures() == [[("PART-A", "ch-share:A", 2)]]
    assert (await hub.row("ch-share", "KIT")).pending is False


async def test_the_schedule_enqueues_what_was_lost(make_hub: Any) -> None:
    hub = await make_hub({"ch-1": {}, "ch-2": {}})
    await listed(hub.db, [SKU], ["ch-1", "ch-2"])
    await hub.drain()
    hub.clear()

    await receive(hub.db, SKU, 4)
    await hub.fan_out_only()

    async def lose_jobs(conn: Any) -> None:
        await conn.execute(delete(jobs).where(jobs.c.state == "pending"))

    async with hub.db.write() as conn:  # the push jobs are lost (say, deleted by hand)
        await lose_jobs(conn)
    assert await hub.drain() == 0 and hub.api["ch-1"].attempts == 0

    due = await stock_sync.enqueue_due(hub.ctx)
    assert sorted(due.pushes) == ["ch-1", "ch-2"] and not due.fanout
    assert (await stock_sync.enqueue_due(hub.ctx)).pushes == []  # one waiting is enough
    await hub.drain()
    for code in ("ch-1", "ch-2"):
        assert hub.api[code].figures() == [[(SKU, f"{code}:{SKU}", 4)]]
        assert not (await hub.row(code)).pending

    await receive(hub.db, SKU, 1)  # dirty, and its fan-out job lost too
    async with hub.db.write() as conn:
        await lose_jobs(conn)
    due = await stock_sync.enqueue_due(hub.ctx)
    assert due.fanout and due.pushes == []
    await hub.drain()
    for code in ("ch-1", "ch-2"):
        assert hub.api[code].figures()[-1] == [(SKU, f"{code}:{SKU}", 5)]


async def test_a_change_signalled_during_an_idle_pass_does_not_wait_for_the_poll(
    make_hub: Any,
) -> None:
    """``Worker.run`` once cleared ``jobs_waiting`` after a pass that found nothing, losing a
    ``signal_jobs()`` made during that pass: the change then waited ``worker_poll_seconds``."""
    hub = await make_hub({"ch": {}})
    await listed(hub.db, [SKU], ["ch"])
    await hub.drain()
    hub.clear()
    slow = msgspec.structs.replace(hub.worker.settings, worker_poll_seconds=1.5)
    worker = Worker(hub.db, hub.worker.registry, slow, context=hub.ctx)
    real_pass = worker.step
    landed = asyncio.Event()

    async def step() -> bool:  # the real pass; a receipt lands just as an idle one ends
        more = await real_pass()
        if not more and not worker.in_flight and not landed.is_set():
            await receive(hub.db, SKU, 4)
            landed.set()
        return more

    worker.step = step  # type: ignore[method-assign]
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        await asyncio.wait_for(landed.wait(), 5)
        start = loop.time()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(hub.api["ch"].arrived.wait(), 3)
        took = loop.time() - start
    finally:
        stop.set()
        await task
    assert hub.api["ch"].figures() == [[(SKU, f"ch:{SKU}", 4)]]
    assert took < 0.75, f"the push came {took:.2f} s after the change"


async def test_a_resync_that_changes_a_channels_ats_announces_stock_changed(
    make_hub: Any, settings: Settings
) -> None:
    """No stock moves; the merchant sets a buffer of 2 on ch-main and resyncs: ch-main's
    ATS goes 5 -> 3, and subscribers hear ``stock.changed`` with it. A second resync changes
    nothing and announces nothing."""
    hub = await make_hub({"ch-main": {"stock_locations": ["main"]}})
    await listed(hub.db, [SKU], ["ch-main"])
    await receive(hub.db, SKU, 5, "main")
    await hub.drain()
    assert hub.api["ch-main"].figures()[-1] == [(SKU, f"ch-main:{SKU}", 5)]
    sub = await manage.create(
        hub.db, url="https://hooks.example.test/in", event_types=["stock.changed"],
        allow_private=False, description=None, allow_http_loopback=False, resolver=public_dns,
    )  # fmt: skip
    buffered = Connections(
        [ChannelConnection(code="ch-main", connector=NAME, base_url=base_url("ch-main"),
                           settings={"stock_locations": ["main"], "stock_buffer": 2})],
        {NAME: StockChannel(100)},
    )  # fmt: skip
    ctx = JobContext(db=hub.db, settings=settings, connections=buffered, http=hub.ctx.http)
    [summary] = await stock_sync.resync(ctx, ["ch-main"])
    assert summary.pushed == 1 and hub.api["ch-main"].figures()[-1][0][2] == 3
    [summary] = await stock_sync.resync(ctx, ["ch-main"])
    assert summary.pushed == 1  # forced out again, the same figure
    async with hub.db.read() as conn:
        found = await sub_store.list_deliveries(conn, sub.id, status=None, after=None, limit=10)
    assert [msgspec.json.decode(d.body)["data"] for d in found] == [
        {"sku": SKU, "channels": {"ch-main": 3}}
    ]
