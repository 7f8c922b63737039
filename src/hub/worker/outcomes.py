"""What the worker writes when jobs end: done, held back, retried later or parked dead (and
what a dead job settles), for the slot jobs and the streams' outcomes alike."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import Connection

from hub.clock import utcnow
from hub.config import Settings
from hub.domain.webhooks import EventType
from hub.services import subscriptions as webhooks
from hub.services.jobs import JobRegistry, Outcome, describe, held_back, retry_at
from hub.store import jobs as job_store
from hub.store.jobs import Job

log = logging.getLogger("hub.worker")


class Ledger:
    """Records the outcomes of one worker's jobs (``worker``: its name, the lease holder)."""

    def __init__(self, registry: JobRegistry, settings: Settings, worker: str) -> None:
        self.registry = registry
        self.settings = settings
        self.worker = worker

    def record(
        self,
        conn: Connection,
        claimed: list[Job],
        failures: dict[int, BaseException],
        now: datetime,
    ) -> None:
        job_store.complete_sync(
            conn, [j.id for j in claimed if j.id not in failures], worker=self.worker, now=now
        )
        for job in claimed:
            exc = failures.get(job.id)
            if exc is not None:
                self.failed(conn, job, exc, now)

    def failed(self, conn: Connection, job: Job, exc: BaseException, now: datetime) -> None:
        """A failed attempt: held back (the attempt given back), retried later, or dead."""
        wait = held_back(exc)
        if wait is not None:
            log.info("job %s (%s) waits %.1f s: %s", job.id, job.kind, wait, describe(exc))
            job_store.defer_sync(
                conn,
                job.id,
                worker=self.worker,
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
            conn, job.id, worker=self.worker, error=describe(exc), now=now, retry_at=when
        )
        if when is None:
            self.settle_dead(conn, job, describe(exc), now)

    def settle_dead(self, conn: Connection, job: Job, error: str, now: datetime) -> None:
        """A job just parked as dead: its kind's ``on_dead``, and a ``job.dead`` event."""
        settle = self.registry.on_dead.get(job.kind)
        if settle is not None:
            settle(conn, job, error, now)
        if job.kind != webhooks.DELIVER_JOB:  # not of itself: no loop
            data = {"job_id": job.id, "kind": job.kind, "attempts": job.attempts,
                    "error": error}  # fmt: skip
            webhooks.emit_sync(conn, EventType.JOB_DEAD, [(data, now)])

    def write_streamed(self, conn: Connection, outcomes: list[Outcome]) -> None:
        """The streams' reported outcomes: each stream's own record, then the jobs'."""
        now = utcnow()
        by_kind: dict[str, list[Outcome]] = defaultdict(list)
        for o in outcomes:
            by_kind[o.job.kind].append(o)
        for kind, group in by_kind.items():
            self.registry.stream[kind].record(conn, group)
        failures = {o.job.id: o.error for o in outcomes if o.error is not None}
        self.record(conn, [o.job for o in outcomes], failures, now)
