"""The job worker: claims due jobs under a lease, runs their handlers, retries or parks them.

Several workers, in one process or on several machines, share the queue: PostgreSQL hands
each job to one of them (``FOR UPDATE SKIP LOCKED``). A worker that dies mid-job loses
nothing: when its lease runs out the job is claimed again.

Jobs run independently. Each claimed job (or each group of a batch kind) is its own task,
bounded by ``HUB_JOB_TIMEOUT_SECONDS``, and its outcome is recorded the moment it ends, not
when its neighbours do. ``run`` keeps up to ``HUB_WORKER_CONCURRENCY`` of them in flight and
claims more as slots free up, so a job that hangs on a partner holds one slot and nothing
else; one heartbeat renews the leases of every job in flight. Local jobs (database only)
run inside their claiming transaction on every pass, whatever is in flight.
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

from sqlalchemy import Connection

from hub.clock import utcnow
from hub.config import Settings
from hub.domain.webhooks import EventType
from hub.services import stock_sync
from hub.services import subscriptions as webhooks
from hub.services.forecast import schedule as forecast_schedule
from hub.services.intake.polling import enqueue_due_polls
from hub.services.jobs import (
    FatalJobError,
    JobContext,
    JobRegistry,
    JobTimedOut,
    describe,
    held_back,
    retry_at,
)
from hub.services.notifications import overdue
from hub.store import idempotency
from hub.store import jobs as job_store
from hub.store.database import Database
from hub.store.jobs import Job

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
        try:
            while not stop.is_set():
                # cleared before the pass, so a signal sent during it wakes the wait below
                self.db.jobs_waiting.clear()
                if not await self.step():
                    await self._wait(stop)
        finally:
            await self._finish_in_flight()
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat

    async def _finish_in_flight(self) -> None:
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
            claimed = await self._claim(free)
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
        return local >= self.settings.worker_batch or (free > 0 and len(claimed) >= free)

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
        claimed = await self._claim(self.settings.worker_batch)
        if not claimed:
            return local
        gate = asyncio.Semaphore(self.settings.worker_concurrency)
        heartbeat = asyncio.create_task(self._heartbeat())
        try:
            await asyncio.gather(*(self._execute(u, gate) for u in self._units(claimed)))
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
        return local + len(claimed)

    async def _local(self) -> int:
        return await self.db.run_write(self._run_local) if self.registry.local else 0

    async def _claim(self, limit: int) -> list[Job]:
        """Put back the jobs of workers whose lease ran out, then claim up to ``limit``."""

        def take(conn: Connection) -> list[Job]:
            now = utcnow()  # after the local jobs: what they queued is due in this pass
            job_store.reap_expired_sync(conn, now=now)
            if limit <= 0:
                return []
            return job_store.claim_sync(
                conn,
                worker=self.name,
                limit=limit,
                now=now,
                lease=self.lease,
                except_kinds=tuple(self.registry.local),
            )

        claimed = await self.db.run_write(take)
        self._held.update(j.id for j in claimed)
        return claimed

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
        self._record_sync(conn, claimed, failures, now)
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
        await self.db.run_write(lambda conn: self._record_sync(conn, claimed, failures, now))
        if failures:
            self.db.signal_jobs()

    def _record_sync(
        self,
        conn: Connection,
        claimed: list[Job],
        failures: dict[int, BaseException],
        now: datetime,
    ) -> None:
        job_store.complete_sync(
            conn, [j.id for j in claimed if j.id not in failures], worker=self.name, now=now
        )
        for job in claimed:
            exc = failures.get(job.id)
            if exc is not None:
                self._failed(conn, job, exc, now)

    def _failed(self, conn: Connection, job: Job, exc: BaseException, now: datetime) -> None:
        """A failed attempt: held back (the attempt given back), retried later, or dead."""
        wait = held_back(exc)
        if wait is not None:
            log.info("job %s (%s) waits %.1f s: %s", job.id, job.kind, wait, describe(exc))
            job_store.defer_sync(
                conn,
                job.id,
                worker=self.name,
                note=describe(exc),
                now=now,
                run_at=now + timedelta(seconds=wait),
            )
            return
        partner = job.kind in self.registry.outbound
        when = retry_at(
            job,
            exc,
            now=now,
            base=self.settings.job_backoff_base_seconds,
            cap=self.settings.job_backoff_cap_seconds,
            span=timedelta(hours=self.settings.partner_retry_hours) if partner else None,
        )
        log.warning(
            "job %s (%s) attempt %d failed: %s%s",
            job.id,
            job.kind,
            job.attempts,
            describe(exc),
            "" if when else "; parked as dead",
        )
        job_store.fail_sync(
            conn, job.id, worker=self.name, error=describe(exc), now=now, retry_at=when
        )
        if when is None and job.kind != webhooks.DELIVER_JOB:  # not of itself: no loop
            data = {"job_id": job.id, "kind": job.kind, "attempts": job.attempts,
                    "error": describe(exc)}  # fmt: skip
            webhooks.emit_sync(conn, EventType.JOB_DEAD, [(data, now)])

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
