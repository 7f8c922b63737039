"""Jobs run independently: a slow job holds up neither its neighbours nor the next claim.

On both databases, with real ``Worker`` objects: a job's outcome is written when it ends
(not when its batch does); ``run`` keeps claiming while a slow job runs, whose lease the
heartbeat renews; a job past ``HUB_JOB_TIMEOUT_SECONDS`` is a failed attempt; a call the hub
held back (``NotSent``) gives its attempt back; a partner job is retried for
``HUB_PARTNER_RETRY_HOURS``, not ``max_attempts``.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import msgspec
import pytest
from sqlalchemy import update

from hub import worker as worker_module
from hub.clock import utcnow
from hub.config import Settings
from hub.sdk import FatalError, NotSent
from hub.services.jobs import JobContext, JobRegistry
from hub.store import jobs as job_store
from hub.store.database import Database
from hub.store.jobs import Job, NewJob
from hub.store.tables import jobs
from hub.worker import Worker


async def add(db: Database, kind: str, n: int = 1, *, max_attempts: int = 8) -> list[int]:
    async with db.write() as conn:
        await job_store.enqueue(
            conn,
            [NewJob(kind, {"n": i}) for i in range(n)],
            now=utcnow(),
            max_attempts=max_attempts,
        )
    async with db.read() as conn:
        found = await job_store.list_jobs(conn, state=None, kind=kind, after=None, limit=1000)
    return [j.id for j in found][-n:]


async def get(db: Database, job_id: int) -> Job:
    async with db.read() as conn:
        job = await job_store.get(conn, job_id)
    assert job is not None
    return job


async def test_a_job_is_recorded_when_it_ends_not_when_its_batch_does(
    db: Database, settings: Settings
) -> None:
    release = asyncio.Event()

    async def slow(ctx: JobContext, job: Job) -> None:
        await release.wait()

    async def quick(ctx: JobContext, job: Job) -> None:
        """Done at once."""

    registry = JobRegistry()
    registry.register("test.slow", slow)
    registry.register("test.quick", quick)
    (slow_id,) = await add(db, "test.slow")
    quick_ids = await add(db, "test.quick", 3)
    batch = asyncio.create_task(Worker(db, registry, settings).run_once())
    try:
        deadline = time.monotonic() + 5
        while {(await get(db, i)).state for i in quick_ids} != {"done"}:
            assert time.monotonic() < deadline, "the quick jobs waited for the slow one"
            await asyncio.sleep(0.02)
        assert (await get(db, slow_id)).state == "running"
    finally:
        release.set()
        assert await batch == 4
    assert (await get(db, slow_id)).state == "done"


async def test_run_keeps_claiming_while_a_slow_job_runs_under_a_renewed_lease(
    settings: Settings,
) -> None:
    started, release = asyncio.Event(), asyncio.Event()
    runs: list[str] = []

    async def slow(ctx: JobContext, job: Job) -> None:
        started.set()
        await release.wait()

    async def quick(ctx: JobContext, job: Job) -> None:
        runs.append(str(job.locked_by))

    registry = JobRegistry()
    registry.register("test.slow", slow)
    registry.register("test.quick", quick)
    short = msgspec.structs.replace(settings, job_lease_seconds=0.3, worker_concurrency=2)
    one, two = Database(settings.database_url), Database(settings.database_url)
    stop = asyncio.Event()
    worker = Worker(one, registry, short, name="busy")
    try:
        (slow_id,) = await add(one, "test.slow")
        loop = asyncio.create_task(worker.run(stop))
        await asyncio.wait_for(started.wait(), 5)
        quick_ids = await add(one, "test.quick", 10)  # one slot left: claimed one by one
        deadline = time.monotonic() + 5
        while len(runs) < 10:
            assert time.monotonic() < deadline, f"{len(runs)} of 10 quick jobs ran"
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.5)  # longer than the lease: the heartbeat keeps it
        assert await Worker(two, registry, short, name="thief").run_once() == 0
        assert (await get(one, slow_id)).locked_by == "busy"
        assert {(await get(one, i)).state for i in quick_ids} == {"done"}
    finally:
        release.set()
        stop.set()
        await loop
        await one.dispose()
        await two.dispose()
    assert runs == ["busy"] * 10


async def test_a_job_past_its_timeout_is_a_failed_attempt(db: Database, settings: Settings) -> None:
    async def stuck(ctx: JobContext, job: Job) -> None:
        await asyncio.sleep(3600)

    registry = JobRegistry()
    registry.register("test.stuck", stuck)
    (job_id,) = await add(db, "test.stuck")
    quick = msgspec.structs.replace(settings, job_timeout_seconds=0.2)
    started = time.monotonic()
    assert await Worker(db, registry, quick).run_once() == 1
    assert time.monotonic() - started < 2
    job = await get(db, job_id)
    assert (job.shown_state, job.attempts) == ("retrying", 1)
    assert job.last_error == "JobTimedOut: the job ran longer than 0.2 s"


async def test_a_call_held_back_gives_its_attempt_back(db: Database, settings: Settings) -> None:
    async def paused(ctx: JobContext, job: Job) -> None:
        raise NotSent("connection 'wh' is paused; next try in 30 s", retry_after=30.0)

    registry = JobRegistry()
    registry.register("test.paused", paused)
    (job_id,) = await add(db, "test.paused", max_attempts=1)
    for _ in range(3):
        async with db.write() as conn:
            await conn.execute(update(jobs).where(jobs.c.id == job_id).values(run_at=utcnow()))
        assert await Worker(db, registry, settings).run_once() == 1
    job = await get(db, job_id)
    assert (job.state, job.attempts) == ("pending", 0), "never tried: never dead"
    assert 29 <= (job.run_at - job.updated_at).total_seconds() <= 30.5
    assert job.last_error is not None and "is paused" in job.last_error


async def test_a_partner_job_is_retried_for_the_partner_span_then_dead(
    db: Database, settings: Settings
) -> None:
    async def down(ctx: JobContext, job: Job) -> None:
        raise ConnectionError("partner down")

    async def refused(ctx: JobContext, job: Job) -> None:
        raise FatalError("POST /orders: partner answered 422", status_code=422)

    async def conflict(ctx: JobContext, job: Job) -> None:
        raise FatalError("POST /orders: partner answered 409", status_code=409)

    registry = JobRegistry()
    registry.register("test.send", down, outbound=True)
    registry.register("test.refused", refused, outbound=True)
    registry.register("test.conflict", conflict, outbound=True)
    (send,) = await add(db, "test.send", max_attempts=2)
    (bad,) = await add(db, "test.refused")
    (clash,) = await add(db, "test.conflict")
    worker = Worker(db, registry, settings)

    async def again(job_id: int, *, queued_hours_ago: float) -> Job:
        async with db.write() as conn:
            await conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id)
                .values(run_at=utcnow(), created_at=utcnow() - timedelta(hours=queued_hours_ago))
            )
        await worker.run_once()
        return await get(db, job_id)

    for _ in range(4):  # past max_attempts, within 24 h: still retried
        job = await again(send, queued_hours_ago=23.9)
    assert (job.shown_state, job.attempts) == ("retrying", 4)
    assert (await again(send, queued_hours_ago=24.1)).state == "dead"
    assert (await get(db, bad)).state == "dead", "a 422 is wrong for good: dead at once"
    assert (await get(db, clash)).shown_state == "retrying", "a 409 is not for good"


async def test_a_stop_waits_a_grace_then_leaves_a_hanging_job_to_its_lease(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = asyncio.Event()

    async def hang(ctx: JobContext, job: Job) -> None:
        started.set()
        await asyncio.sleep(3600)

    registry = JobRegistry()
    registry.register("test.hang", hang)
    monkeypatch.setattr(worker_module, "STOP_GRACE_SECONDS", 0.2)
    (job_id,) = await add(db, "test.hang")
    stop = asyncio.Event()
    loop = asyncio.create_task(Worker(db, registry, settings, name="leaving").run(stop))
    await asyncio.wait_for(started.wait(), 5)
    stop.set()
    await asyncio.wait_for(loop, 2)
    job = await get(db, job_id)
    assert (job.state, job.locked_by) == ("running", "leaving"), "left to its lease"
