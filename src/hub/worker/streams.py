"""The worker's side of stream jobs (``JobRegistry.register_stream``): hand the claimed jobs
to their stream, and record the outcomes it reports in batches.

Each outcome is recorded soon after its job ends, never held for its batch: the recorder
writes everything reported so far in one transaction (the stream's rows and the jobs'), and
what is reported while that transaction runs goes in the next one. Under load that makes a
few large commits rather than many small ones. A recording that fails loses nothing: the
jobs stay ``running`` until their leases run out and run again (at least once).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from sqlalchemy import Connection

from hub.services.jobs import JobContext, Outcome, Stream
from hub.store.database import Database
from hub.store.jobs import Job

log = logging.getLogger(__name__)

#: how long the recorder lets outcomes gather before it writes them
GATHER_SECONDS = 0.005

Write = Callable[[Connection, list[Outcome]], None]


class Recorder:
    """Starts stream jobs and records their outcomes (``write``: in one transaction)."""

    def __init__(self, db: Database, write: Write, held: set[int]) -> None:
        self.db = db
        self.write = write
        self.held = held  # the worker's jobs in flight: their leases are renewed
        self.taken = 0  # stream jobs started, ever
        self._outcomes: list[Outcome] = []
        self._reported = asyncio.Event()
        self._closing = False

    def start(self, stream: Stream, ctx: JobContext, jobs: list[Job], prepared: object) -> None:
        self.held.update(j.id for j in jobs)
        self.taken += len(jobs)
        stream.start(ctx, jobs, prepared, self.report)

    def report(self, outcome: Outcome) -> None:
        self._outcomes.append(outcome)
        self._reported.set()

    async def run(self) -> None:
        """Record what is reported, as it is, until ``close``; then what is left."""
        while not self._closing:
            await self._reported.wait()
            await asyncio.sleep(GATHER_SECONDS)  # let the outcomes of a moment share a commit
            await self.flush()
        await self.flush()

    def close(self) -> None:
        """Let ``run`` end once it has recorded what was reported."""
        self._closing = True
        self._reported.set()

    async def flush(self) -> None:
        """Record every outcome reported so far in one transaction."""
        self._reported.clear()
        outcomes, self._outcomes = self._outcomes, []
        if not outcomes:
            return
        try:
            await self.db.run_write(lambda conn: self.write(conn, outcomes))
        except Exception:
            log.exception("could not record the outcome of %d stream jobs", len(outcomes))
        finally:
            self.held.difference_update(o.job.id for o in outcomes)
        self.db.signal_jobs()  # room again in the stream: claim more
