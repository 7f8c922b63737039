"""The order writer: new orders committed in groups (POST /orders, hub import, channel orders).

Every new order is written with its lines, its first timeline event, its outbox job and (when
the caller sent one) its idempotency record, and committed to disk before the caller hears
back. A single writer task takes whatever requests are waiting and commits them together in
one transaction: one fsync and a handful of statements for many orders instead of per order.
That is what lets one process with SQLite take thousands of orders a second. One order the
database refuses never fails the others: the batch is written again in halves until it
stands alone (``_write``).

Dedupe rules: the same (channel, external_id) is one order; the same idempotency key with
the same body replays the first answer; the same key with another body is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from dataclasses import dataclass, field

from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

from hub.clock import utcnow
from hub.errors import HubError
from hub.services.intake.batch import IngestRequest, IngestResult, content_hash, write_batch
from hub.store.database import Database

log = logging.getLogger(__name__)

__all__ = ["IngestRequest", "IngestResult", "OrderWriter"]


@dataclass(slots=True)
class _Pending:
    request: IngestRequest
    future: asyncio.Future[IngestResult]
    hash: str = field(default="")


class OrderWriter:
    """Commits orders in groups; ``submit`` returns once the order is durable."""

    def __init__(
        self, db: Database, *, max_attempts: int, max_batch: int = 256, writers: int = 4
    ) -> None:
        self.db = db
        self.max_attempts = max_attempts
        self.max_batch = max_batch
        self._queue: asyncio.Queue[_Pending] | None = None
        # SQLite has one writer at a time anyway; PostgreSQL overlaps a few transactions so
        # the database's round trips and commits are not waited for one after the other.
        self.writers = 1 if db.is_sqlite else writers
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self._queue = asyncio.Queue()
        self._tasks = [
            asyncio.create_task(self._run(), name=f"hub-order-writer-{i}")
            for i in range(self.writers)
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def __aenter__(self) -> OrderWriter:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def submit(self, request: IngestRequest) -> IngestResult:
        if self._queue is None:
            raise RuntimeError("OrderWriter.start() was not called")
        future: asyncio.Future[IngestResult] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Pending(request, future, content_hash(request.data)))
        return await future

    async def _run(self) -> None:
        assert self._queue is not None
        while True:
            batch = [await self._queue.get()]
            # Let every task that is ready to run submit first: callers woken by the last
            # commit queue their next order within this one turn of the loop.
            await asyncio.sleep(0)
            while len(batch) < self.max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._write(batch)
            except Exception as exc:  # the writer must outlive any one batch
                log.exception("order batch failed")
                for item in batch:
                    if not item.future.done():
                        item.future.set_exception(exc)

    async def _write(self, batch: list[_Pending], *, again: bool = False) -> None:
        """Commit ``batch`` and answer each request. A batch the database refuses is split
        in halves and each half written apart, so an order it cannot take fails alone and
        every other one is stored."""
        try:
            outcomes = await self._write_once(batch)
        except Exception as exc:
            if _unavailable(exc):
                raise  # not any one order's fault: every order of the batch hears of it
            if len(batch) > 1:
                half = len(batch) // 2
                await self._write(batch[:half])
                await self._write(batch[half:])
            elif isinstance(exc, IntegrityError) and not again:
                # Another process wrote this natural or idempotency key between our read and
                # our insert; written again, its re-read sees the other's row.
                await self._write(batch, again=True)
            elif not batch[0].future.done():
                data = batch[0].request.data
                log.warning("order %r of %r refused alone", data.external_id, data.channel)
                batch[0].future.set_exception(exc)
            return
        self.db.signal_jobs()
        for item, outcome in zip(batch, outcomes, strict=True):
            if item.future.done():
                continue
            if isinstance(outcome, BaseException):
                item.future.set_exception(outcome)
            else:
                item.future.set_result(outcome)

    async def _write_once(self, batch: list[_Pending]) -> list[IngestResult | HubError]:
        requests = [(p.request, p.hash) for p in batch]
        return await self.db.run_write(
            functools.partial(write_batch, requests, now=utcnow(), max_attempts=self.max_attempts)
        )


def _unavailable(exc: Exception) -> bool:
    """The database is away or busy (not one order's fault): splitting would not help."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError | InterfaceError | OSError)
