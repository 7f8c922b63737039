"""A poisoned order in a group commit (issue 9): one order the database refuses, committed
in the same batch as fifty good ones, fails alone. The batch is written again without it,
all fifty are stored, and only the bad one hears of the error.

The API refuses what poisons PostgreSQL (a NUL, an integer past its column) before it
reaches the writer, so these orders are handed to the writer directly, as a connector bug
or a future field might.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from hub.domain.order import OrderData
from hub.services.intake.writer import IngestRequest, IngestResult, OrderWriter
from hub.store.database import Database
from hub.store.tables import jobs, order_lines, orders
from tests.integration.test_ingest import order_data

GOOD = 50
AT = 23  # where in the batch the poisoned order sits


def poisoned(kind: str) -> OrderData:
    """An order that passed validation once, then had something bad put in (no checks run
    when a Struct is built in code)."""
    data = order_data(external_id="BAD-1")
    if kind == "nul-external-id":
        return msgspec.structs.replace(data, external_id="BAD\x00-1")
    if kind == "nul-sku":
        line = msgspec.structs.replace(data.lines[0], sku="TEE\x00")
        return msgspec.structs.replace(data, lines=[line, *data.lines[1:]])
    line = msgspec.structs.replace(data.lines[0], quantity=2**64)  # past every INTEGER
    return msgspec.structs.replace(data, lines=[line, *data.lines[1:]])


def spy_on_batches(writer: OrderWriter) -> list[int]:
    """The size of every batch the writer tries to commit, in order."""
    sizes: list[int] = []
    write_once: Callable[[list[Any]], Awaitable[Any]] = writer._write_once

    async def counting(batch: list[Any]) -> Any:
        sizes.append(len(batch))
        return await write_once(batch)

    writer._write_once = counting  # type: ignore[method-assign]
    return sizes


@pytest.mark.parametrize("poison", ["nul-external-id", "nul-sku", "quantity-past-bigint"])
async def test_a_poisoned_order_fails_alone_among_fifty_good_ones(
    db: Database, poison: str
) -> None:
    good = [
        IngestRequest(data=order_data(external_id=f"GOOD-{i}"), actor="test") for i in range(GOOD)
    ]
    bad = IngestRequest(
        data=poisoned(poison), actor="test", idempotency_scope="s", idempotency_key="k"
    )
    batch = [*good[:AT], bad, *good[AT:]]
    stored_as_is = db.is_sqlite and poison.startswith("nul")  # SQLite keeps a NUL

    async with OrderWriter(db, max_attempts=3, writers=1) as writer:
        sizes = spy_on_batches(writer)
        results = await asyncio.gather(*(writer.submit(r) for r in batch), return_exceptions=True)
        after = await writer.submit(IngestRequest(data=order_data(external_id="AFTER"), actor="t"))

    assert sizes[0] == GOOD + 1, sizes  # they did share one group commit
    assert after.created  # and the writer goes on
    answers = results[:AT] + results[AT + 1 :]
    assert all(isinstance(r, IngestResult) and r.created for r in answers), answers
    async with db.read() as conn:
        stored = set((await conn.execute(select(orders.c.external_id))).scalars())
        accept_jobs = len((await conn.execute(select(jobs.c.id))).all())
        lines = len((await conn.execute(select(order_lines.c.order_id))).all())
    expected = {f"GOOD-{i}" for i in range(GOOD)} | {"AFTER"}
    if stored_as_is:
        assert isinstance(results[AT], IngestResult), results[AT]
        assert stored == expected | {"BAD\x00-1" if poison == "nul-external-id" else "BAD-1"}
        return
    assert isinstance(results[AT], Exception), results[AT]
    assert len(sizes) < 2 * (GOOD + 1), sizes  # bisected, not retried order by order
    assert stored == expected
    assert accept_jobs == GOOD + 1
    assert lines == sum(len(r.data.lines) for r in good) + 1


async def test_a_database_that_is_away_fails_the_batch_without_splitting_it(db: Database) -> None:
    """Connection trouble is no order's fault: the batch is not written again in pieces."""
    batch = [IngestRequest(data=order_data(external_id=f"O-{i}"), actor="test") for i in range(8)]
    async with OrderWriter(db, max_attempts=3, writers=1) as writer:
        sizes: list[int] = []

        async def away(pending: list[Any]) -> Any:
            sizes.append(len(pending))
            raise OperationalError("connect", {}, ConnectionRefusedError("refused"))

        writer._write_once = away  # type: ignore[method-assign]
        results = await asyncio.gather(*(writer.submit(r) for r in batch), return_exceptions=True)
    assert sizes == [8]
    assert all(isinstance(r, OperationalError) for r in results), results
