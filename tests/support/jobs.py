"""Run the worker once and say how many jobs of one kind it finished."""

from __future__ import annotations

from sqlalchemy import func, select

from hub.config import Settings
from hub.services.intake.accept import ACCEPT_JOB
from hub.services.jobs import JobRegistry
from hub.store.database import Database
from hub.store.tables import jobs
from hub.worker import Worker


async def _done(db: Database, kind: str) -> int:
    async with db.read() as conn:
        query = select(func.count()).where(jobs.c.kind == kind, jobs.c.state == "done")
        return int((await conn.execute(query)).scalar_one())


async def run_once_counting(
    db: Database, registry: JobRegistry, settings: Settings, kind: str = ACCEPT_JOB
) -> int:
    """One ``Worker.run_once``; the number of ``kind`` jobs it completed (other kinds, such
    as the stock fan-out a reservation queues, may run too)."""
    before = await _done(db, kind)
    await Worker(db, registry, settings).run_once()
    return await _done(db, kind) - before
