"""The durable job outbox on SQLite and PostgreSQL: enqueue, claim, retry, park, replay, lease.

Handlers are registered on a real ``JobRegistry`` and run by a real ``Worker``; tests drive it
with ``Worker.run_once()`` so every step is deterministic. Where a test needs time to pass
(a backoff), it moves the job's ``run_at`` into the past rather than sleeping.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import msgspec
import pytest
from sqlalchemy import insert, select, update

from hub.clock import utcnow
from hub.config import Settings
from hub.errors import Conflict, NotFound
from hub.services import jobs as job_service
from hub.services.jobs import FatalJobError, JobContext, JobRegistry, RetryLater
from hub.store import jobs as job_store
from hub.store.database import Database
from hub.store.jobs import Job, NewJob
from hub.store.tables import idempotency_keys, jobs
from hub.worker import Worker
from tests.conftest import _reset_postgres

OK = "test.ok"
ZERO = dict.fromkeys(job_store.SHOWN_STATES, 0)  # counts of an empty outbox


async def ok(ctx: JobContext, job: Job) -> None:
    """A handler that always succeeds."""


async def add_jobs(
    db: Database,
    kind: str,
    n: int = 1,
    *,
    max_attempts: int = 8,
    now: datetime | None = None,
) -> list[int]:
    """Enqueue ``n`` jobs of ``kind`` in one committed transaction; returns their ids."""
    async with db.write() as conn:
        before = (await conn.execute(select(jobs.c.id).order_by(jobs.c.id.desc()))).first()
        await job_store.enqueue(
            conn,
            [NewJob(kind, {"n": i}) for i in range(n)],
            now=now or utcnow(),
            max_attempts=max_attempts,
        )
        rows = await conn.execute(
            select(jobs.c.id).where(jobs.c.id > (before.id if before else 0)).order_by(jobs.c.id)
        )
        return [r.id for r in rows]


async def get(db: Database, job_id: int) -> Job:
    async with db.read() as conn:
        job = await job_store.get(conn, job_id)
    assert job is not None
    return job


async def make_due(db: Database, job_id: int) -> None:
    """Let the backoff pass: move the job's ``run_at`` into the past."""
    async with db.write() as conn:
        await conn.execute(
            update(jobs).where(jobs.c.id == job_id).values(run_at=utcnow() - timedelta(seconds=1))
        )


def delay_of(job: Job) -> float:
    """Seconds from the failed attempt (recorded as ``updated_at``) to the next ``run_at``."""
    return (job.run_at - job.updated_at).total_seconds()


@pytest.fixture
async def pg_db(postgres_url: str) -> AsyncIterator[Database]:
    """An empty PostgreSQL database (for the one test that needs two open transactions)."""
    await _reset_postgres(postgres_url)
    database = Database(postgres_url)
    yield database
    await database.dispose()


async def test_enqueue_exists_exactly_when_its_transaction_commits(db: Database) -> None:
    with pytest.raises(RuntimeError, match="the order write failed"):
        async with db.write() as conn:
            await job_store.enqueue(conn, [NewJob(OK, {"a": 1})], now=utcnow(), max_attempts=8)
            raise RuntimeError("the order write failed")
    async with db.read() as conn:
        assert await job_store.list_jobs(conn, state=None, kind=None, after=None, limit=10) == []
        assert await job_store.counts(conn) == ZERO

    (job_id,) = await add_jobs(db, OK)
    job = await get(db, job_id)
    assert (job.kind, job.payload, job.state, job.attempts) == (OK, {"n": 0}, "pending", 0)


async def test_claim_hands_each_due_job_out_once(db: Database) -> None:
    due = await add_jobs(db, OK, 3)
    (later,) = await add_jobs(db, OK, now=utcnow() + timedelta(hours=1))
    now = utcnow()
    async with db.write() as conn:
        first = await job_store.claim(
            conn, worker="a", limit=10, now=now, lease=timedelta(seconds=30)
        )
    assert [j.id for j in first] == due
    for job in first:
        assert (job.state, job.attempts, job.locked_by) == ("running", 1, "a")
        assert job.lease_until == now + timedelta(seconds=30)
    async with db.write() as conn:
        again = await job_store.claim(
            conn, worker="b", limit=10, now=utcnow(), lease=timedelta(seconds=30)
        )
    assert again == []
    assert (await get(db, later)).state == "pending"


async def test_two_workers_racing_over_200_jobs_share_them_without_overlap(
    settings: Settings,
) -> None:
    """Two Worker instances, each with its own Database (own pool), drain one queue together."""
    seen: list[tuple[str | None, int]] = []

    async def record(ctx: JobContext, job: Job) -> None:
        seen.append((job.locked_by, job.id))
        await asyncio.sleep(0.001)

    registry = JobRegistry()
    registry.register(OK, record)
    small = msgspec.structs.replace(settings, worker_batch=7)
    one, two = Database(settings.database_url), Database(settings.database_url)
    try:
        ids = set(await add_jobs(one, OK, 200))
        workers = [Worker(one, registry, small, name="w1"), Worker(two, registry, small, name="w2")]

        async def drain(w: Worker) -> None:
            while await w.run_once():
                pass

        await asyncio.gather(*(drain(w) for w in workers))
        async with one.read() as conn:
            counts = await job_store.counts(conn)
            done = await job_store.list_jobs(conn, state="done", kind=None, after=None, limit=500)
    finally:
        await one.dispose()
        await two.dispose()

    ran = [job_id for _, job_id in seen]
    assert len(ran) == len(set(ran)) == 200, "a job was handed to two workers"
    assert set(ran) == ids
    assert counts == {**ZERO, "done": 200}
    assert {j.attempts for j in done} == {1}
    assert {j.locked_by for j in done} == {name for name, _ in seen}
    if not settings.is_sqlite:  # SQLite serialises writers; PostgreSQL must really overlap
        assert {name for name, _ in seen} == {"w1", "w2"}, "both workers should take part"


async def test_concurrent_claims_on_two_databases_never_share_a_job(settings: Settings) -> None:
    """Eight claimers on two Database objects; each holds its transaction open a moment
    after claiming, so on PostgreSQL their claims really overlap."""
    one, two = Database(settings.database_url), Database(settings.database_url)
    lease = timedelta(seconds=30)
    taken: dict[str, list[int]] = {}

    async def claimer(db: Database, name: str) -> None:
        taken[name] = []
        while True:
            async with db.write() as conn:
                got = await job_store.claim(conn, worker=name, limit=5, now=utcnow(), lease=lease)
                await asyncio.sleep(0.005)
            if not got:
                return
            assert {j.locked_by for j in got} == {name}
            taken[name].extend(j.id for j in got)

    try:
        ids = set(await add_jobs(one, OK, 200))
        await asyncio.gather(
            *(
                claimer(db, f"{label}{i}")
                for label, db in (("a", one), ("b", two))
                for i in range(4)
            )
        )
        async with one.read() as conn:
            running = await job_store.list_jobs(
                conn, state="running", kind=None, after=None, limit=500
            )
    finally:
        await one.dispose()
        await two.dispose()
    claimed = [job_id for got in taken.values() for job_id in got]
    assert len(claimed) == len(set(claimed)), "a job was claimed twice"
    assert set(claimed) == ids
    assert len(running) == 200
    assert {j.attempts for j in running} == {1}, "a job was claimed (and counted) twice"
    if not settings.is_sqlite:  # SQLite serialises writers; PostgreSQL must really overlap
        assert {j.locked_by[0] for j in running if j.locked_by} == {"a", "b"}


async def test_postgres_concurrent_claims_skip_each_others_locked_rows(pg_db: Database) -> None:
    """While one claim's transaction is still open, a second claim gets other jobs at once."""
    ids = set(await add_jobs(pg_db, OK, 200))
    other = Database(pg_db.url)
    lease = timedelta(seconds=30)
    try:
        async with pg_db.engine.connect() as a, other.engine.connect() as b:
            tx_a = await a.begin()
            first = await job_store.claim(a, worker="a", limit=120, now=utcnow(), lease=lease)
            tx_b = await b.begin()
            # Without SKIP LOCKED this blocks on a's row locks until a commits.
            second = await asyncio.wait_for(
                job_store.claim(b, worker="b", limit=120, now=utcnow(), lease=lease), timeout=5
            )
            await tx_b.commit()
            await tx_a.commit()
    finally:
        await other.dispose()
    got_a, got_b = {j.id for j in first}, {j.id for j in second}
    assert len(got_a) == 120
    assert len(got_b) == 80
    assert not got_a & got_b
    assert got_a | got_b == ids
    async with pg_db.read() as conn:
        assert await job_store.counts(conn) == {**ZERO, "running": 200}


async def test_failing_job_backs_off_exponentially_then_is_parked_dead(
    db: Database, settings: Settings
) -> None:
    calls: list[int] = []

    async def boom(ctx: JobContext, job: Job) -> None:
        calls.append(job.attempts)
        raise RuntimeError(f"boom {job.attempts}")

    registry = JobRegistry()
    registry.register("test.boom", boom)
    slow_backoff = msgspec.structs.replace(
        settings, job_backoff_base_seconds=10.0, job_backoff_cap_seconds=1000.0
    )
    worker = Worker(db, registry, slow_backoff)
    (job_id,) = await add_jobs(db, "test.boom", max_attempts=3)

    assert await worker.run_once() == 1
    job = await get(db, job_id)
    assert (job.state, job.attempts, job.last_error) == ("pending", 1, "RuntimeError: boom 1")
    assert job.lease_until is None and job.locked_by is None
    assert 5.0 <= delay_of(job) <= 10.0  # base * 2**0, with jitter of half to all
    assert await worker.run_once() == 0, "a job must not run again before its run_at"

    await make_due(db, job_id)
    assert await worker.run_once() == 1
    job = await get(db, job_id)
    assert (job.state, job.attempts, job.last_error) == ("pending", 2, "RuntimeError: boom 2")
    assert 10.0 <= delay_of(job) <= 20.0  # base * 2**1

    await make_due(db, job_id)
    assert await worker.run_once() == 1
    job = await get(db, job_id)
    assert (job.state, job.attempts, job.last_error) == ("dead", 3, "RuntimeError: boom 3")
    assert job.lease_until is None

    await make_due(db, job_id)
    assert await worker.run_once() == 0, "a dead job stays parked"
    assert calls == [1, 2, 3]


async def test_backoff_is_capped(db: Database, settings: Settings) -> None:
    async def boom(ctx: JobContext, job: Job) -> None:
        raise RuntimeError("down")

    registry = JobRegistry()
    registry.register("test.boom", boom)
    capped = msgspec.structs.replace(
        settings, job_backoff_base_seconds=10.0, job_backoff_cap_seconds=12.0
    )
    worker = Worker(db, registry, capped)
    (job_id,) = await add_jobs(db, "test.boom", max_attempts=8)
    for _ in range(4):  # uncapped, attempt 4 would wait 40-80 s
        await make_due(db, job_id)
        assert await worker.run_once() == 1
    job = await get(db, job_id)
    assert (job.state, job.attempts) == ("pending", 4)
    assert 6.0 <= delay_of(job) <= 12.0


async def test_fatal_job_error_is_parked_dead_at_once(db: Database, settings: Settings) -> None:
    async def refused(ctx: JobContext, job: Job) -> None:
        raise FatalJobError("partner said 400: bad SKU")

    registry = JobRegistry()
    registry.register("test.fatal", refused)
    (job_id,) = await add_jobs(db, "test.fatal", max_attempts=8)
    assert await Worker(db, registry, settings).run_once() == 1
    job = await get(db, job_id)
    assert (job.state, job.attempts) == ("dead", 1)
    assert job.last_error == "FatalJobError: partner said 400: bad SKU"


async def test_retry_later_waits_at_least_its_delay(db: Database, settings: Settings) -> None:
    async def busy(ctx: JobContext, job: Job) -> None:
        raise RetryLater("partner busy", after_seconds=120)

    registry = JobRegistry()
    registry.register("test.busy", busy)
    worker = Worker(db, registry, settings)  # backoff of at most 0.05 s: Retry-After wins
    (job_id,) = await add_jobs(db, "test.busy")
    assert await worker.run_once() == 1
    job = await get(db, job_id)
    assert (job.state, job.attempts, job.last_error) == ("pending", 1, "RetryLater: partner busy")
    assert delay_of(job) == pytest.approx(120, abs=0.01)
    assert await worker.run_once() == 0


async def test_replayed_dead_job_runs_again_with_fresh_attempts(
    db: Database, settings: Settings
) -> None:
    broken = True
    runs: list[int] = []

    async def flaky(ctx: JobContext, job: Job) -> None:
        runs.append(job.attempts)
        if broken:
            raise RuntimeError("partner down")

    registry = JobRegistry()
    registry.register("test.flaky", flaky)
    worker = Worker(db, registry, settings)
    (job_id,) = await add_jobs(db, "test.flaky", max_attempts=2)
    assert await worker.run_once() == 1
    await make_due(db, job_id)
    assert await worker.run_once() == 1
    assert (await get(db, job_id)).state == "dead"

    db.jobs_waiting.clear()
    replayed = await job_service.replay(db, job_id)
    assert (replayed.id, replayed.state, replayed.attempts) == (job_id, "pending", 0)
    assert replayed.run_at <= utcnow()
    assert db.jobs_waiting.is_set(), "replay should wake this process's worker"

    broken = False
    assert await worker.run_once() == 1
    job = await get(db, job_id)
    assert (job.state, job.attempts) == ("done", 1)
    assert runs == [1, 2, 1]


async def test_only_a_dead_job_can_be_replayed(db: Database) -> None:
    done, pending = await add_jobs(db, OK, 2)
    async with db.write() as conn:
        await job_store.claim(conn, worker="w", limit=1, now=utcnow(), lease=timedelta(minutes=1))
        await job_store.complete(conn, [done], worker="w", now=utcnow())
    assert (await get(db, done)).state == "done"

    for job_id, state in ((pending, "pending"), (done, "done")):
        with pytest.raises(Conflict, match=f"job {job_id} is {state}"):
            await job_service.replay(db, job_id)
        assert (await get(db, job_id)).state == state
    with pytest.raises(NotFound, match="no job 999999"):
        await job_service.replay(db, 999999)


async def test_job_whose_lease_expired_is_run_again(db: Database, settings: Settings) -> None:
    """A worker that claimed a job and vanished: once its lease runs out, another runs it."""
    runs: list[tuple[str | None, int]] = []

    async def record(ctx: JobContext, job: Job) -> None:
        runs.append((job.locked_by, job.attempts))

    registry = JobRegistry()
    registry.register(OK, record)
    worker = Worker(db, registry, settings, name="survivor")
    (job_id,) = await add_jobs(db, OK)
    async with db.write() as conn:
        (claimed,) = await job_store.claim(
            conn, worker="ghost", limit=10, now=utcnow(), lease=timedelta(seconds=0.5)
        )
    assert claimed.id == job_id

    assert await worker.run_once() == 0, "a live lease must be respected"
    assert (await get(db, job_id)).locked_by == "ghost"
    await asyncio.sleep(0.6)
    assert await worker.run_once() == 1
    job = await get(db, job_id)
    assert (job.state, job.attempts, job.locked_by) == ("done", 2, "survivor")
    assert runs == [("survivor", 2)]

    # The ghost comes back late: its outcome no longer counts.
    async with db.write() as conn:
        await job_store.fail(
            conn, job_id, worker="ghost", error="late", now=utcnow(), retry_at=None
        )
        await job_store.complete(conn, [job_id], worker="ghost", now=utcnow())
    job = await get(db, job_id)
    assert (job.state, job.locked_by, job.last_error) == ("done", "survivor", None)


async def test_lease_expired_on_the_last_attempt_parks_the_job(
    db: Database, settings: Settings
) -> None:
    registry = JobRegistry()
    registry.register(OK, ok)
    (job_id,) = await add_jobs(db, OK, max_attempts=1)
    async with db.write() as conn:
        await job_store.claim(
            conn, worker="ghost", limit=1, now=utcnow(), lease=timedelta(milliseconds=1)
        )
    await asyncio.sleep(0.01)
    assert await Worker(db, registry, settings).run_once() == 0
    job = await get(db, job_id)
    assert (job.state, job.attempts) == ("dead", 1)
    assert job.last_error is not None and "lease expired" in job.last_error


async def test_heartbeat_keeps_a_long_job_from_being_stolen(settings: Settings) -> None:
    """A job running longer than the lease keeps it: another worker must not run it too."""
    runs: list[str | None] = []
    started = asyncio.Event()

    async def long(ctx: JobContext, job: Job) -> None:
        runs.append(job.locked_by)
        started.set()
        await asyncio.sleep(1.0)

    registry = JobRegistry()
    registry.register("test.long", long)
    short = msgspec.structs.replace(settings, job_lease_seconds=0.3)
    one, two = Database(settings.database_url), Database(settings.database_url)
    try:
        (job_id,) = await add_jobs(one, "test.long")
        busy = asyncio.create_task(Worker(one, registry, short, name="busy").run_once())
        await started.wait()  # let "busy" hold the job before the thief starts trying
        thief = Worker(two, registry, short, name="thief")
        stolen = 0
        while not busy.done():
            stolen += await thief.run_once()
            await asyncio.sleep(0.05)
        assert await busy == 1
        job = await get(one, job_id)
    finally:
        await one.dispose()
        await two.dispose()
    assert stolen == 0
    assert runs == ["busy"]
    assert (job.state, job.attempts) == ("done", 1)


async def test_job_kind_without_handler_is_parked_with_a_clear_error(
    db: Database, settings: Settings
) -> None:
    registry = JobRegistry()
    registry.register(OK, ok)
    (known,) = await add_jobs(db, OK)
    (unknown,) = await add_jobs(db, "test.nobody", max_attempts=8)
    assert await Worker(db, registry, settings).run_once() == 2
    assert (await get(db, known)).state == "done"
    job = await get(db, unknown)
    assert (job.state, job.attempts) == ("dead", 1)
    assert job.last_error == "FatalJobError: no handler for job kind 'test.nobody'"


async def test_maintenance_purges_old_done_jobs_and_old_idempotency_keys(
    db: Database, settings: Settings
) -> None:
    now = utcnow()
    old = now - timedelta(hours=settings.done_job_retention_hours + 1)
    recent = now - timedelta(hours=1)

    def job_row(state: str, updated_at: datetime) -> dict[str, Any]:
        (row,) = job_store.job_rows([NewJob(OK, {"state": state})], now=old, max_attempts=8)
        return {**row, "state": state, "updated_at": updated_at}

    def key_row(key: str, created_at: datetime) -> dict[str, Any]:
        return {
            "scope": "key:test",
            "key": key,
            "request_hash": "0" * 64,
            "status_code": 201,
            "response": b"{}",
            "created_at": created_at,
        }

    key_old = now - timedelta(hours=settings.idempotency_retention_hours + 1)
    async with db.write() as conn:
        await conn.execute(
            insert(jobs),
            [
                job_row("done", old),
                job_row("done", recent),
                job_row("dead", old),
                job_row("pending", old),
            ],
        )
        await conn.execute(
            insert(idempotency_keys), [key_row("old", key_old), key_row("fresh", recent)]
        )

    await Worker(db, JobRegistry(), settings).maintenance()

    async with db.read() as conn:
        kept = await job_store.list_jobs(conn, state=None, kind=None, after=None, limit=10)
        keys = [r.key for r in await conn.execute(select(idempotency_keys.c.key))]
    assert sorted((j.state, j.updated_at == recent) for j in kept) == [
        ("dead", False),
        ("done", True),
        ("pending", False),
    ]
    assert keys == ["fresh"]


async def test_local_jobs_run_in_the_claiming_transaction_and_fail_alone(
    db: Database, settings: Settings
) -> None:
    """A local handler's effects commit with the job's completion, or not at all.

    ``test.local-ok`` enqueues a follow-up job (a database effect) and succeeds;
    ``test.local-bad`` enqueues one too and then raises: its follow-up must vanish with it,
    its jobs count a failed attempt, and the good kind's work still commits.
    """

    def good(conn: Any, group: list[Job]) -> None:
        job_store.enqueue_sync(
            conn,
            [NewJob("test.follow", {"from": j.id}) for j in group],
            now=utcnow(),
            max_attempts=8,
        )

    def bad(conn: Any, group: list[Job]) -> None:
        job_store.enqueue_sync(conn, [NewJob("test.orphan", {})], now=utcnow(), max_attempts=8)
        raise RuntimeError("local handler broke")

    registry = JobRegistry()
    registry.register_local("test.local-ok", good)
    registry.register_local("test.local-bad", bad)
    registry.register("test.follow", ok)
    good_ids = await add_jobs(db, "test.local-ok", 3)
    bad_ids = await add_jobs(db, "test.local-bad", 2)

    worker = Worker(db, registry, settings)
    await worker.run_once()

    for job_id in good_ids:
        assert (await get(db, job_id)).state == "done"
    for job_id in bad_ids:
        job = await get(db, job_id)
        assert (job.state, job.attempts) == ("pending", 1)
        assert job.last_error == "RuntimeError: local handler broke"
    async with db.read() as conn:
        kinds = [r.kind for r in await conn.execute(select(jobs.c.kind))]
    assert kinds.count("test.follow") == 3
    assert "test.orphan" not in kinds


async def test_counts_with_a_limit_stop_one_past_it(db: Database) -> None:
    """The console counts each state over the index and stops at limit + 1; the retrying
    (pending, tried) stay apart from the pending."""
    now = utcnow()
    new = [NewJob(OK, {"n": i}) for i in range(5)]
    async with db.write() as conn:
        await job_store.enqueue(conn, new, now=now, max_attempts=8)
        await conn.execute(update(jobs).where(jobs.c.id <= 3).values(state="done"))
        await conn.execute(update(jobs).where(jobs.c.id == 4).values(attempts=2))
    async with db.read() as conn:
        exact = await job_store.counts(conn)
        capped = await job_store.counts(conn, limit=2)
    assert exact == {**ZERO, "done": 3, "retrying": 1, "pending": 1}
    assert capped == {**ZERO, "done": 3, "retrying": 1, "pending": 1}  # 3 is "more than 2"
    async with db.read() as conn:
        assert (await job_store.counts(conn, limit=1))["done"] == 2
