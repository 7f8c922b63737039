"""The job worker: claims due jobs under a lease, runs their handlers, retries or parks them.

Several workers, in one process or on several machines, share the queue: PostgreSQL hands
each job to one of them (``FOR UPDATE SKIP LOCKED``). A worker that dies mid-job loses
nothing: when its lease runs out the job is claimed again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import Connection

from hub.clock import utcnow
from hub.config import Settings
from hub.services import stock_sync
from hub.services.forecast import schedule as forecast_schedule
from hub.services.intake.polling import enqueue_due_polls
from hub.services.jobs import FatalJobError, JobContext, JobRegistry, describe, retry_at
from hub.store import idempotency
from hub.store import jobs as job_store
from hub.store.database import Database
from hub.store.jobs import Job

log = logging.getLogger(__name__)

MAINTENANCE_EVERY_SECONDS = 300.0
SCHEDULE_EVERY_SECONDS = 10.0


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

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.settings.job_lease_seconds)

    async def run(self, stop: asyncio.Event) -> None:
        """Work until ``stop`` is set; the batch in hand is finished first."""
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            # cleared before the pass, so a signal sent during it wakes the wait below
            self.db.jobs_waiting.clear()
            try:
                if loop.time() - self._last_schedule > SCHEDULE_EVERY_SECONDS:
                    self._last_schedule = loop.time()
                    await enqueue_due_polls(self.context)
                    await stock_sync.enqueue_due(self.context)
                    await forecast_schedule.enqueue_due(self.context)  # demand, nightly forecast
                done = await self.run_once()
                if loop.time() - self._last_maintenance > MAINTENANCE_EVERY_SECONDS:
                    await self.maintenance()
                    self._last_maintenance = loop.time()
            except Exception:
                log.exception("worker loop error; retrying after a pause")
                done = 0
            if done == 0:
                waiters = [asyncio.ensure_future(stop.wait())]
                waiters.append(asyncio.ensure_future(self.db.jobs_waiting.wait()))
                _, pending = await asyncio.wait(
                    waiters,
                    timeout=self.settings.worker_poll_seconds,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                for w in pending:
                    w.cancel()

    async def run_once(self) -> int:
        """Claim one batch of due jobs and run it; returns how many jobs were run."""
        done = await self.db.run_write(self._run_local) if self.registry.local else 0

        def take(conn: Connection) -> list[Job]:
            now = utcnow()  # after the local jobs: what they queued is due in this pass
            job_store.reap_expired_sync(conn, now=now)
            return job_store.claim_sync(
                conn,
                worker=self.name,
                limit=self.settings.worker_batch,
                now=now,
                lease=self.lease,
                except_kinds=tuple(self.registry.local),
            )

        claimed = await self.db.run_write(take)
        if not claimed:
            return done
        heartbeat = asyncio.create_task(self._heartbeat([j.id for j in claimed]))
        try:
            failures = await self._run_all(claimed)
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
        await self._record(claimed, failures)
        return done + len(claimed)

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

    async def _heartbeat(self, job_ids: list[int]) -> None:
        while True:
            await asyncio.sleep(self.settings.job_lease_seconds / 3)
            until = utcnow() + self.lease
            await self.db.run_write(
                lambda conn, until=until: job_store.extend_leases_sync(
                    conn, job_ids, worker=self.name, until=until
                )
            )

    async def _run_all(self, claimed: list[Job]) -> dict[int, BaseException]:
        failures: dict[int, BaseException] = {}
        by_kind: dict[str, list[Job]] = defaultdict(list)
        for job in claimed:
            by_kind[job.kind].append(job)
        singles: list[Job] = []
        for kind, group in by_kind.items():
            if kind in self.registry.batch:
                try:
                    await self.registry.batch[kind](self.context, group)
                except Exception as exc:
                    if len(group) == 1:
                        failures[group[0].id] = exc
                    else:
                        log.warning("%d %s jobs failed as a batch; trying each", len(group), kind)
                        singles.extend(group)
            elif kind in self.registry.single:
                singles.extend(group)
            else:
                for job in group:
                    failures[job.id] = FatalJobError(f"no handler for job kind {kind!r}")
        gate = asyncio.Semaphore(self.settings.worker_concurrency)

        async def one(job: Job) -> None:
            async with gate:
                try:
                    if job.kind in self.registry.single:
                        await self.registry.single[job.kind](self.context, job)
                    else:
                        await self.registry.batch[job.kind](self.context, [job])
                except Exception as exc:
                    failures[job.id] = exc

        await asyncio.gather(*(one(j) for j in singles))
        return failures

    async def _record(self, claimed: list[Job], failures: dict[int, BaseException]) -> None:
        now = utcnow()
        await self.db.run_write(lambda conn: self._record_sync(conn, claimed, failures, now))
        if any(job.id in failures for job in claimed):
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
            if exc is None:
                continue
            when = retry_at(
                job,
                exc,
                now=now,
                base=self.settings.job_backoff_base_seconds,
                cap=self.settings.job_backoff_cap_seconds,
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
