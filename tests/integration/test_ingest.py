"""The group-commit order writer against SQLite and PostgreSQL, without the HTTP layer.

One new order is one commit of its row, lines, first event, accept job and idempotency
record. Concurrent copies of one order, within one writer or across two processes' worth of
writers and connections, make exactly one order. Order numbers are unique (consecutive
on SQLite; a PostgreSQL sequence may leave gaps after a rollback). A bad
request in a batch fails alone.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import msgspec
import pytest
from sqlalchemy import func, literal_column, select, text

from hub.domain.order import Order, OrderData, normalise
from hub.errors import Conflict, Unprocessable
from hub.services.intake.accept import ACCEPT_JOB
from hub.services.intake.writer import IngestRequest, IngestResult, OrderWriter
from hub.store.database import Database
from hub.store.tables import idempotency_keys, jobs, order_events, order_lines, orders
from tests.conftest import PAYLOADS

ACTOR = "test:ingest"


def order_data(name: str = "order_minimal", **changes: Any) -> OrderData:
    """A fixture payload with ``changes`` applied, validated as the API would."""
    raw: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text())
    raw.setdefault("channel", "shop-eu")
    raw.update(changes)
    return normalise(msgspec.json.decode(json.dumps(raw).encode(), type=OrderData))


def request(data: OrderData, key: str | None = None) -> IngestRequest:
    return IngestRequest(
        data=data,
        actor=ACTOR,
        idempotency_scope="scope-1" if key else None,
        idempotency_key=key,
    )


async def rows(db: Database, table: Any, *where: Any) -> list[Any]:
    async with db.read() as conn:
        return list(await conn.execute(select(table).where(*where)))


async def count(db: Database, table: Any) -> int:
    async with db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


def body_of(result: IngestResult) -> Order:
    return msgspec.json.decode(result.body, type=Order)


async def test_new_order_is_one_commit_of_row_lines_event_job_and_key(db: Database) -> None:
    data = order_data("order_callcentre")
    async with OrderWriter(db, max_attempts=5) as w:
        result = await w.submit(request(data, key="idem-1"))

    assert result.created and not result.replayed and result.status_code == 201
    order = body_of(result)
    assert order.id == result.order_id
    assert order.number == "H-100001"
    assert order.status == "received"
    assert order.channel == "shop-eu"
    assert order.external_id == "CC-1042"
    assert order.lines == data.lines

    [row] = await rows(db, orders)
    assert (row.id, row.number, row.status, row.channel, row.external_id) == (
        order.id,
        "H-100001",
        "received",
        "shop-eu",
        "CC-1042",
    )
    assert row.total == 7015 and row.currency == "EUR" and row.version == 1
    assert row.public_ref == order.public_ref

    lines = sorted(await rows(db, order_lines), key=lambda r: r.position)
    assert [(r.order_id, r.position, r.sku, r.quantity) for r in lines] == [
        (order.id, 0, "TEE-ORG-BLK-M", 2),
        (order.id, 1, "MUG-CER-350", 1),
        (order.id, 2, "TOTE-CNV-NAT", 1),
    ]

    [event] = await rows(db, order_events)
    assert (event.order_id, event.kind, event.actor, event.to_status) == (
        order.id,
        "received",
        ACTOR,
        "received",
    )

    [job] = await rows(db, jobs)
    assert job.kind == ACCEPT_JOB == "order.accept"
    assert msgspec.json.decode(job.payload) == {"order_id": order.id}
    assert job.state == "pending" and job.attempts == 0 and job.max_attempts == 5

    [idem] = await rows(db, idempotency_keys)
    assert (idem.scope, idem.key, idem.status_code) == ("scope-1", "idem-1", 201)
    assert bytes(idem.response) == result.body

    # One transaction: one clock reading for all of them ...
    assert row.received_at == event.at == job.created_at == idem.created_at
    # ... and, where the database can say so, literally one transaction id.
    if not db.is_sqlite:
        async with db.read() as conn:
            xids = {
                table.name: set(
                    await conn.scalars(select(literal_column("xmin::text")).select_from(table))
                )
                for table in (orders, order_lines, order_events, jobs, idempotency_keys)
            }
        assert len(set.union(*xids.values())) == 1, xids


async def test_fifty_concurrent_copies_make_one_order(db: Database) -> None:
    data = order_data()
    async with OrderWriter(db, max_attempts=5) as w:
        results = await asyncio.gather(*(w.submit(request(data)) for _ in range(50)))

    assert len({r.order_id for r in results}) == 1
    assert sum(r.created for r in results) == 1
    numbers = {body_of(r).number for r in results}
    assert len(numbers) == 1  # every answer shows the one order
    if db.is_sqlite:  # on PostgreSQL a writer that lost the race leaves a sequence gap
        assert numbers == {"H-100001"}
    assert all(body_of(r).id == results[0].order_id for r in results)
    assert await count(db, orders) == 1
    assert await count(db, order_lines) == 1
    assert await count(db, order_events) == 1
    assert await count(db, jobs) == 1


@asynccontextmanager
async def writers(url: str, n: int) -> AsyncIterator[list[OrderWriter]]:
    """``n`` writers, each with its own Database (engine, pool, connections) like a process."""
    dbs = [Database(url) for _ in range(n)]
    ws = [OrderWriter(d, max_attempts=5) for d in dbs]
    try:
        for w in ws:
            await w.start()
        yield ws
    finally:
        for w in ws:
            await w.stop()
        for d in dbs:
            await d.dispose()


async def _lock_waiters(db: Database) -> int:
    async with db.read() as conn:
        found = await conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
        return int(found.scalar_one())


async def test_two_writers_racing_on_one_order_make_one_order(db: Database) -> None:
    """Both writers read "not there yet" before either commits; the loser must re-read.

    A third connection holds the write lock (SQLite) or a SHARE lock on the orders table
    (PostgreSQL: reads pass, inserts wait) until both writers are inside their
    transactions, so on PostgreSQL both pass the existence check and one of them hits the
    unique constraint at insert.
    """
    data = order_data()
    async with writers(db.url, 2) as (a, b):
        async with db.write() as conn:
            if not db.is_sqlite:
                await conn.execute(text("LOCK TABLE orders IN SHARE MODE"))
            tasks = [
                asyncio.create_task((a if i % 2 else b).submit(request(data))) for i in range(50)
            ]
            if db.is_sqlite:
                await asyncio.sleep(0.3)
            else:
                for _ in range(200):
                    if await _lock_waiters(db) >= 2:
                        break
                    await asyncio.sleep(0.02)
                else:
                    pytest.fail("the two writers never both waited to insert")
            assert not any(t.done() for t in tasks)
        results = await asyncio.gather(*tasks)

        assert len({r.order_id for r in results}) == 1
        assert sum(r.created for r in results) == 1
        assert await count(db, orders) == 1
        assert await count(db, jobs) == 1
        assert await count(db, order_events) == 1

        # SQLite's counter row rolls back with the loser: the next order is the next number.
        # A PostgreSQL sequence does not roll back: the loser's number is a gap.
        nxt = await a.submit(request(order_data(external_id="MIN-2")))
        if db.is_sqlite:
            assert body_of(nxt).number == "H-100002"
        else:
            assert int(body_of(nxt).number.removeprefix("H-")) > 100002


async def test_two_writers_free_race_over_many_orders(db: Database) -> None:
    async with writers(db.url, 2) as (a, b):
        for round_ in range(5):
            data = order_data(external_id=f"RACE-{round_}")
            results = await asyncio.gather(
                *((a if i % 2 else b).submit(request(data)) for i in range(50))
            )
            assert len({r.order_id for r in results}) == 1, round_
            assert sum(r.created for r in results) == 1, round_
    assert await count(db, orders) == 5
    assert await count(db, jobs) == 5
    numbers = sorted(int(r.number.removeprefix("H-")) for r in await rows(db, orders))
    assert len(set(numbers)) == 5 and numbers[0] >= 100001
    if db.is_sqlite:  # one writer at a time: no gaps; PostgreSQL's sequence may leave some
        assert numbers == list(range(100001, 100006))


@pytest.mark.parametrize("max_batch", [256, 7])
async def test_distinct_concurrent_orders_get_consecutive_numbers(
    db: Database, max_batch: int
) -> None:
    async with OrderWriter(db, max_attempts=5, max_batch=max_batch) as w:
        results = await asyncio.gather(
            *(w.submit(request(order_data(external_id=f"N-{i}"))) for i in range(200))
        )

    assert all(r.created for r in results)
    assert len({r.order_id for r in results}) == 200
    numbers = [body_of(r).number for r in results]
    assert sorted(numbers, key=lambda n: int(n.removeprefix("H-"))) == [
        f"H-{n}" for n in range(100001, 100201)
    ]
    stored = {r.id: r.number for r in await rows(db, orders)}
    assert stored == {r.order_id: body_of(r).number for r in results}
    assert await count(db, jobs) == 200
    assert await count(db, order_events) == 200


async def test_a_bad_request_in_a_batch_fails_alone(db: Database) -> None:
    existing = order_data(external_id="A")
    # One writer task, so that all submissions below land in one batch in arrival order.
    async with OrderWriter(db, max_attempts=5, writers=1) as w:
        first = await w.submit(request(existing))
        submissions = {
            "good": request(order_data(external_id="B")),
            "dup-other-content": request(order_data(external_id="A", note="changed")),
            "dup-same-content": request(existing),
            "new-twice-1": request(order_data(external_id="E")),
            "new-twice-other": request(order_data(external_id="E", note="other")),
            "keyed": request(order_data(external_id="C"), key="k-1"),
            "keyed-again": request(order_data(external_id="C"), key="k-1"),
            "key-reused": request(order_data(external_id="D"), key="k-1"),
        }
        outcomes = dict(
            zip(
                submissions,
                await asyncio.gather(
                    *(w.submit(r) for r in submissions.values()), return_exceptions=True
                ),
                strict=True,
            )
        )

    conflict = outcomes["dup-other-content"]
    assert isinstance(conflict, Conflict), conflict
    assert [e.field for e in conflict.errors] == ["external_id"]
    assert first.order_id in conflict.detail
    other = outcomes["new-twice-other"]
    assert isinstance(other, Conflict), other
    reused = outcomes["key-reused"]
    assert isinstance(reused, Unprocessable), reused
    assert [e.field for e in reused.errors] == ["Idempotency-Key"]

    good = outcomes["good"]
    assert isinstance(good, IngestResult) and good.created
    same = outcomes["dup-same-content"]
    assert isinstance(same, IngestResult)
    assert not same.created and same.order_id == first.order_id
    assert body_of(same) == body_of(first)
    e1 = outcomes["new-twice-1"]
    assert isinstance(e1, IngestResult) and e1.created
    keyed, again = outcomes["keyed"], outcomes["keyed-again"]
    assert isinstance(keyed, IngestResult) and isinstance(again, IngestResult)
    assert keyed.created and again.replayed
    assert again.order_id == keyed.order_id and again.body == keyed.body

    stored = {r.external_id: r for r in await rows(db, orders)}
    assert set(stored) == {"A", "B", "C", "E"}
    assert stored["B"].id == good.order_id
    assert stored["E"].id == e1.order_id
    # The good ones were written together, in the same batch as the refused ones.
    assert stored["B"].received_at == stored["C"].received_at == stored["E"].received_at
    assert stored["A"].received_at < stored["B"].received_at
    stored_a = msgspec.json.decode(stored["A"].doc, type=OrderData)
    assert stored_a.note is None
    assert await count(db, jobs) == 4
    assert await count(db, order_events) == 4
    assert [(r.key, r.status_code) for r in await rows(db, idempotency_keys)] == [("k-1", 201)]
