"""Polling: pages kept as inbound messages with their cursor, resumed after a failure,
deduplicated by version, mapped by the worker, and scheduled once per interval."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import msgspec
import pytest
from sqlalchemy import func, select

from hub.bootstrap import build_registry
from hub.clock import utcnow
from hub.config import Settings
from hub.connections import Connections
from hub.domain.order import OrderData
from hub.errors import NotFound
from hub.sdk import (
    Capability,
    ChannelOrder,
    Connection,
    PartnerHttp,
    PolledMessage,
    PollResult,
    RetriableError,
)
from hub.services.intake.polling import POLL_JOB, enqueue_due_polls, poll
from hub.services.jobs import JobContext
from hub.store import jobs as job_store
from hub.store.database import Database
from hub.store.jobs import NewJob
from hub.store.tables import inbound_messages, jobs, orders, poll_cursors
from hub.worker import Worker
from tests.conftest import PAYLOADS

ORDER = msgspec.json.decode((PAYLOADS / "order_callcentre.json").read_bytes())


def message(external_id: str, version: int) -> PolledMessage:
    body = msgspec.json.encode({**ORDER, "external_id": external_id, "note": f"v{version}"})
    return PolledMessage(dedupe_key=f"{external_id}@{version}", body=body, topic="open")


class FakeChannel:
    """A polling channel whose pages are set by the test; records the cursors it was given."""

    name = "fake"
    capabilities = frozenset({Capability.POLL_ORDERS})

    def __init__(self) -> None:
        self.pages: dict[str | None, PollResult] = {}
        self.cursors: list[str | None] = []
        self.fail_on: str | None = None

    async def poll_orders(
        self, connection: Connection, cursor: str | None, http: PartnerHttp, *, until: str
    ) -> PollResult:
        self.cursors.append(cursor)
        if cursor is not None and cursor == self.fail_on:
            raise RetriableError("GET /orders: partner answered 503")
        return self.pages[cursor]

    async def orders_from_message(
        self, connection: Connection, body: bytes, topic: str | None, http: PartnerHttp
    ) -> list[ChannelOrder]:
        data = msgspec.json.decode(body, type=OrderData)
        return [ChannelOrder(order=msgspec.structs.replace(data, channel=connection.code))]

    def normalize(self, documents: list[bytes], *, channel: str, settings: Any = None) -> list[Any]:
        return []


@pytest.fixture
async def ctx(db: Database, settings: Settings) -> AsyncIterator[tuple[JobContext, FakeChannel]]:
    fake = FakeChannel()
    conns = Connections(
        [Connection(code="fake-1", connector="fake", settings={"poll_interval_seconds": 3600})],
        {"fake": fake},
    )
    async with httpx.AsyncClient() as client:
        yield JobContext(db=db, settings=settings, connections=conns, http=client), fake


async def count(db: Database, table: Any) -> int:
    async with db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def stored_cursor(db: Database) -> str | None:
    async with db.read() as conn:
        return (await conn.execute(select(poll_cursors.c.cursor))).scalar_one_or_none()


async def test_pages_are_kept_with_their_cursor_and_mapped_by_the_worker(
    ctx: tuple[JobContext, FakeChannel], db: Database, settings: Settings
) -> None:
    context, fake = ctx
    fake.pages = {
        None: PollResult(messages=[message("A", 1), message("B", 1)], cursor="p2", more=True),
        "p2": PollResult(messages=[message("C", 1)], cursor="t1"),
    }
    summary = await poll(context, "fake-1")
    assert (summary.pages, summary.new, summary.seen) == (2, 3, 0)
    assert fake.cursors == [None, "p2"]
    assert await stored_cursor(db) == "t1"
    assert await count(db, inbound_messages) == 3

    worker = Worker(db, build_registry(settings), settings, context=context)
    while await worker.run_once():
        pass
    async with db.read() as conn:
        found = sorted((await conn.execute(select(orders.c.external_id))).scalars())
    assert found == ["A", "B", "C"]

    # The next poll starts at the stored cursor; a version seen before is not kept again,
    # a new version of an order is, and updates that order.
    fake.pages["t1"] = PollResult(messages=[message("C", 1), message("A", 2)], cursor="t2")
    summary = await poll(context, "fake-1")
    assert fake.cursors[-1] == "t1" and (summary.new, summary.seen) == (1, 1)
    while await worker.run_once():
        pass
    assert await count(db, orders) == 3
    async with db.read() as conn:
        doc = (await conn.execute(select(orders.c.doc).where(orders.c.external_id == "A"))).one()
    assert msgspec.json.decode(doc.doc)["note"] == "v2"


async def test_a_failed_page_keeps_what_came_before_and_resumes_there(
    ctx: tuple[JobContext, FakeChannel], db: Database
) -> None:
    context, fake = ctx
    fake.pages = {
        None: PollResult(messages=[message("A", 1)], cursor="p2", more=True),
        "p2": PollResult(messages=[message("B", 1)], cursor="t1"),
    }
    fake.fail_on = "p2"
    with pytest.raises(RetriableError):
        await poll(context, "fake-1")
    assert await stored_cursor(db) == "p2"
    assert await count(db, inbound_messages) == 1

    fake.fail_on = None
    summary = await poll(context, "fake-1")
    assert fake.cursors[-1] == "p2" and summary.new == 1
    assert await stored_cursor(db) == "t1"


async def test_polls_are_scheduled_once_per_interval(
    ctx: tuple[JobContext, FakeChannel], db: Database
) -> None:
    context, fake = ctx
    assert await enqueue_due_polls(context) == ["fake-1"]
    assert await enqueue_due_polls(context) == []  # one is waiting already
    async with db.read() as conn:
        kinds = list((await conn.execute(select(jobs.c.kind))).scalars())
    assert kinds == [POLL_JOB]

    fake.pages = {None: PollResult(messages=[], cursor="t1")}
    await poll(context, "fake-1")
    async with db.write() as conn:
        await conn.execute(jobs.delete())
    assert await enqueue_due_polls(context) == []  # polled just now; the interval is an hour


async def test_a_poll_of_a_connection_not_configured_dies_at_once(
    ctx: tuple[JobContext, FakeChannel], db: Database, settings: Settings
) -> None:
    context, _ = ctx
    with pytest.raises(NotFound, match="no connection 'gone' that polls for orders"):
        await poll(context, "gone")

    async with db.write() as conn:
        await job_store.enqueue(
            conn, [NewJob(POLL_JOB, {"connection": "gone"})], now=utcnow(), max_attempts=8
        )
    worker = Worker(db, build_registry(settings), settings, context=context)
    await worker.run_once()
    async with db.read() as conn:
        job = (await conn.execute(select(jobs.c.state, jobs.c.attempts, jobs.c.last_error))).one()
    assert (job.state, job.attempts) == ("dead", 1)  # no retry configures it
    assert "'gone'" in job.last_error


async def test_a_long_version_key_is_kept_once(
    ctx: tuple[JobContext, FakeChannel], db: Database
) -> None:
    context, fake = ctx
    long = PolledMessage(dedupe_key="v" * 300, body=message("A", 1).body, topic="open")
    fake.pages = {None: PollResult(messages=[long], cursor="t1")}
    fake.pages["t1"] = PollResult(messages=[long], cursor="t2")
    assert (await poll(context, "fake-1")).new == 1
    again = await poll(context, "fake-1")
    assert (again.new, again.seen) == (0, 1)
    assert await count(db, inbound_messages) == 1
