"""The job worker: claims due jobs under a lease, runs their handlers, retries or parks them.

Several workers, in one process or on several machines, share the queue: PostgreSQL hands
each job to one of them (``FOR UPDATE SKIP LOCKED``). A worker that dies mid-job loses
nothing: when its lease runs out the job is claimed again.

Jobs run independently. Each claimed job (or each group of a batch kind) is its own task,
bounded by ``HUB_JOB_TIMEOUT_SECONDS``, and its outcome is recorded the moment it ends, not
when its neighbours do. ``run`` keeps up to ``HUB_WORKER_CONCURRENCY`` of them in flight and
claims more as slots free up, so a job that hangs on a partner holds one slot and nothing
else; one heartbeat renews the leases of every job in flight. Local jobs (database only)
run inside their claiming transaction on every pass, whatever is in flight. Stream jobs
(``register_stream``: webhook deliveries) are claimed beside the slots, up to what each
stream has room for, and their outcomes recorded in batches as they come (``streams``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from hub.clock import utcnow
from hub.config import Settings
from hub.services import stock_sync
from hub.services.forecast import schedule as forecast_schedule
from hub.services.intake.polling import enqueue_due_polls
from hub.services.jobs import (
    FatalJobError,
    JobContext,
    JobRegistry,
    JobTimedOut,
)
from hub.services.notifications import overdue
from hub.store import idempotency
from hub.store import jobs as job_store
from hub.store.database import Database
from hub.store.jobs import Job
from hub.worker.outcomes import Ledger
from hub.worker.streams import Recorder

log = logging.getLogger(__name__)

MAINTENANCE_EVERY_SECONDS = 300.0
SCHEDULE_EVERY_SECONDS = 10.0
#: on stop, how long the jobs in flight may take to end; the rest are left to their lease
STOP_GRACE_SECONDS = 10.0

Unit = tuple[str, list[Job]]  # a job kind and the jobs that run together (one, or a batch)


class Worker:
    def __init__(
        self,
        db: Database,
        registry: JobRegistry,
        settings: Settings,
        *,
        name: str | None = None,
        context: JobContext | None = None,
    ) -> None:
        self.db = db
        self.registry = registry
        self.settings = settings
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.context = context or JobContext(db=db, settings=settings)
        self._last_maintenance = 0.0
        self._last_schedule = float("-inf")
        self._last_overdue = float("-inf")
        self._held: set[int] = set()  # jobs this worker runs now: their leases are renewed
        self._tasks: set[asyncio.Task[None]] = set()
        self.ledger = Ledger(registry, settings, self.name)
        self._streams = Recorder(db, self.ledger.write_streamed, self._held)

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.settings.job_lease_seconds)

    @property
    def in_flight(self) -> int:
        """Jobs (or batches) running now in ``run``."""
        return len(self._tasks)

    async def run(self, stop: asyncio.Event) -> None:
        """Work until ``stop`` is set; the jobs in flight are given ``STOP_GRACE_SECONDS``
        to end, then cancelled: their leases run out and another worker runs them again,
        as after a crash."""
        heartbeat = asyncio.create_task(self._heartbeat())
        recorder = asyncio.create_task(self._streams.run())
        try:
            while not stop.is_set():
                # cleared before the pass, so a signal sent during it wakes the wait below
                self.db.jobs_waiting.clear()
                if not await self.step():
                    await self._wait(stop)
        finally:
            await self._finish_in_flight()
            self._streams.close()
            await recorder
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat

    async def _finish_in_flight(self) -> None:
        for stream in self.registry.stream.values():
            await stream.drain(STOP_GRACE_SECONDS)
        if not self._tasks:
            return
        _, late = await asyncio.wait(list(self._tasks), timeout=STOP_GRACE_SECONDS)
        for task in late:
            task.cancel()
        if late:
            log.warning("stopping: %d jobs still running, left to their leases", len(late))
            await asyncio.gather(*late, return_exceptions=True)

    async def step(self) -> bool:
        """One pass of ``run``: the due schedules, the local jobs, and a claim of as many
        jobs as there are free slots, each started on its own. True when more may be due."""
        loop = asyncio.get_running_loop()
        try:
            if loop.time() - self._last_schedule > SCHEDULE_EVERY_SECONDS:
                self._last_schedule = loop.time()
                await enqueue_due_polls(self.context)
                await stock_sync.enqueue_due(self.context)
                await forecast_schedule.enqueue_due(self.context)  # demand, nightly forecast
            if loop.time() - self._last_overdue > overdue.EVERY_SECONDS:
                self._last_overdue = loop.time()
                await overdue.mark_overdue(self.context)  # ship_by passed: the buyer hears
            local = await self._local()
            free = self.settings.worker_concurrency - self.in_flight
            claimed, more = await self._claim(free)
            for unit in self._units(claimed):
                task = asyncio.create_task(self._execute(unit))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            if loop.time() - self._last_maintenance > MAINTENANCE_EVERY_SECONDS:
                await self.maintenance()
                self._last_maintenance = loop.time()
        except Exception:
            log.exception("worker loop error; retrying after a pause")
            return False
        full = free > 0 and len(claimed) >= free
        return local >= self.settings.worker_batch or full or more

    async def _wait(self, stop: asyncio.Event) -> None:
        """Until stop, a signal that jobs wait, a job in flight ends, or the poll interval."""
        waiters = [
            asyncio.ensure_future(stop.wait()),
            asyncio.ensure_future(self.db.jobs_waiting.wait()),
        ]
        try:
            await asyncio.wait(
                [*waiters, *self._tasks],
                timeout=self.settings.worker_poll_seconds,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            for w in waiters:
                w.cancel()

    async def run_once(self) -> int:
        """Claim one batch of due jobs (up to ``worker_batch``) and run it, at most
        ``worker_concurrency`` at a time, each recorded when it ends; returns how many
        jobs were run (local ones included)."""
        local = await self._local()
        streamed = self._streams.taken
        claimed, _ = await self._claim(self.settings.worker_batch)
        streamed = self._streams.taken - streamed
        if not claimed and not streamed:
            return local
        gate = asyncio.Semaphore(self.settings.worker_concurrency)
        heartbeat = asyncio.create_task(self._heartbeat())
        try:
            await asyncio.gather(*(self._execute(u, gate) for u in self._units(claimed)))
            for stream in self.registry.stream.values():
                await stream.drain(self.settings.job_timeout_seconds)
            await self._streams.flush()
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
        return local + len(claimed) + streamed

    async def _local(self) -> int:
        return await self.db.run_write(self._run_local) if self.registry.local else 0

    async def _claim(self, limit: int) -> tuple[list[Job], bool]:
        """Put back the jobs of workers whose lease ran out (settling those that die of it),
        then claim up to ``limit`` jobs for the slots and what each stream has room for;
        the slot jobs, and whether a stream took all it had room for (more may wait)."""
        rooms = {kind: s.room() for kind, s in self.registry.stream.items()}

        def take(conn: Connection) -> tuple[list[Job], dict[str, list[Job]]]:
            now = utcnow()  # after the local jobs: what they queued is due in this pass
            dead: list[Job] = []
            job_store.reap_expired_sync(conn, now=now, dead=dead)
            for job in dead:
                self.ledger.settle_dead(conn, job, job.last_error or "lease expired", now)
            streamed: dict[str, tuple[list[Job], Any]] = {}
            for kind, room in rooms.items():
                taken = self._take(conn, now, room, kinds=(kind,)) if room > 0 else []
                if taken:  # what they need, read in this transaction
                    streamed[kind] = (taken, self.registry.stream[kind].prepare(conn, taken))
            if limit <= 0:
                return [], streamed
            skip = (*self.registry.local, *self.registry.stream)
            return self._take(conn, now, limit, except_kinds=skip), streamed

        claimed, streamed = await self.db.run_write(take)
        self._held.update(j.id for j in claimed)
        for kind, (jobs, prepared) in streamed.items():
            self._streams.start(self.registry.stream[kind], self.context, jobs, prepared)
        return claimed, any(len(jobs) >= rooms[kind] for kind, (jobs, _) in streamed.items())

    def _take(self, conn: Connection, now: datetime, limit: int, **which: Any) -> list[Job]:
        return job_store.claim_sync(
            conn, worker=self.name, limit=limit, now=now, lease=self.lease, **which
        )

    def _units(self, claimed: list[Job]) -> Iterator[Unit]:
        """One unit per job; the jobs of a batch kind together."""
        batches: dict[str, list[Job]] = defaultdict(list)
        for job in claimed:
            if job.kind in self.registry.batch:
                batches[job.kind].append(job)
            else:
                yield job.kind, [job]
        yield from batches.items()

    def _run_local(self, conn: Connection) -> int:
        """Claim, run and complete local jobs in one transaction (see ``register_local``).

        Each kind runs in a savepoint: if its handler fails, its effects are undone and its
        jobs are recorded as failed attempts, while the other kinds' work still commits.
        """
        now = utcnow()
        claimed = job_store.claim_sync(
            conn,
            worker=self.name,
            limit=self.settings.worker_batch,
            now=now,
            lease=self.lease,
            kinds=tuple(self.registry.local),
        )
        by_kind: dict[str, list[Job]] = defaultdict(list)
        for job in claimed:
            by_kind[job.kind].append(job)
        failures: dict[int, BaseException] = {}
        for kind, group in by_kind.items():
            try:
                with conn.begin_nested():
                    self.registry.local[kind](conn, group)
            except Exception as exc:
                failures.update((job.id, exc) for job in group)
        self.ledger.record(conn, claimed, failures, now)
        return len(claimed)

    async def _heartbeat(self) -> None:
        """Renew the lease of every job in flight, every third of the lease."""
        while True:
            await asyncio.sleep(self.settings.job_lease_seconds / 3)
            held = sorted(self._held)
            if not held:
                continue
            until = utcnow() + self.lease
            try:
                await self.db.run_write(
                    lambda conn, held=held, until=until: job_store.extend_leases_sync(
                        conn, held, worker=self.name, until=until
                    )
                )
            except Exception:
                log.exception("could not renew the leases of %d jobs", len(held))

    async def _execute(self, unit: Unit, gate: asyncio.Semaphore | None = None) -> None:
        """Run one unit under the job timeout and record its outcome at once."""
        kind, group = unit
        try:
            async with gate or contextlib.nullcontext():
                failures = await self._attempt(kind, group)
            await self._record(group, failures)
        except Exception:  # the outcome could not be written: the lease will run out
            log.exception("could not record the outcome of %d %s jobs", len(group), kind)
        finally:
            self._held.difference_update(j.id for j in group)

    async def _attempt(self, kind: str, group: list[Job]) -> dict[int, BaseException]:
        limit = self.settings.job_timeout_seconds
        try:
            async with asyncio.timeout(limit):
                return await self._handle(kind, group)
        except TimeoutError:
            timed_out = JobTimedOut(f"the job ran longer than {limit:g} s")
            return {job.id: timed_out for job in group}

    async def _handle(self, kind: str, group: list[Job]) -> dict[int, BaseException]:
        """Run the handler; the failures by job id."""
        if kind in self.registry.single:
            (job,) = group
            try:
                await self.registry.single[kind](self.context, job)
            except Exception as exc:
                return {job.id: exc}
            return {}
        if kind not in self.registry.batch:
            return {j.id: FatalJobError(f"no handler for job kind {kind!r}") for j in group}
        handler = self.registry.batch[kind]
        try:
            await handler(self.context, group)
            return {}
        except Exception as exc:
            if len(group) == 1:
                return {group[0].id: exc}
            log.warning("%d %s jobs failed as a batch; trying each", len(group), kind)
        failures: dict[int, BaseException] = {}
        for job in group:
            try:
                await handler(self.context, [job])
            except Exception as exc:
                failures[job.id] = exc
        return failures

    async def _record(self, claimed: list[Job], failures: dict[int, BaseException]) -> None:
        now = utcnow()
        await self.db.run_write(lambda conn: self.ledger.record(conn, claimed, failures, now))
        if failures:
            self.db.signal_jobs()

    async def maintenance(self) -> None:
        """Drop idempotency records and finished jobs past their retention."""
        now = utcnow()
        async with self.db.write() as conn:
            await idempotency.purge(
                conn, before=now - timedelta(hours=self.settings.idempotency_retention_hours)
            )
            await job_store.purge_done(
                conn, before=now - timedelta(hours=self.settings.done_job_retention_hours)
            )
