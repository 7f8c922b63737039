"""``hub jobs list`` and ``hub jobs replay`` through click, against a real database.

The CLI runs its own event loop (``asyncio.run``), so each invocation runs in a thread while
the test's loop waits. A job is made dead the real way, by a ``Worker`` whose handler refuses.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hub.cli import main
from hub.clock import utcnow
from hub.config import Settings
from hub.services.jobs import FatalJobError, JobContext, JobRegistry, RetryLater
from hub.store import jobs as job_store
from hub.store.database import Database
from hub.store.jobs import Job, NewJob
from hub.worker import Worker


async def refuse(ctx: JobContext, job: Job) -> None:
    raise FatalJobError("partner refused the order")


async def succeed(ctx: JobContext, job: Job) -> None:
    """Always works."""


async def hub(database_url: str, *args: str) -> Result:
    env = {"HUB_DATABASE_URL": database_url, "COLUMNS": "200"}
    return await asyncio.to_thread(CliRunner().invoke, main, list(args), env=env)


async def dead_and_done(db: Database, settings: Settings) -> tuple[Job, Job]:
    registry = JobRegistry()
    registry.register("test.refused", refuse)
    registry.register("test.ok", succeed)
    async with db.write() as conn:
        await job_store.enqueue(
            conn,
            [NewJob("test.refused", {}), NewJob("test.ok", {})],
            now=utcnow(),
            max_attempts=4,
        )
    assert await Worker(db, registry, settings).run_once() == 2
    async with db.read() as conn:
        dead, done = await job_store.list_jobs(conn, state=None, kind=None, after=None, limit=10)
    assert (dead.state, done.state) == ("dead", "done")
    return dead, done


async def test_jobs_list_shows_dead_jobs_only(
    db: Database, settings: Settings, database_url: str
) -> None:
    dead, _ = await dead_and_done(db, settings)
    result = await hub(database_url, "jobs", "list", "--state", "dead")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    rows = [i for i, line in enumerate(lines) if "test." in line]
    assert len(rows) == 1, result.output
    row, error = lines[rows[0]], lines[rows[0] + 1]
    assert row.split()[:4] == [str(dead.id), "test.refused", "dead", "1/4"]  # attempts / max
    assert error == "    FatalJobError: partner refused the order"  # its last error, under it
    assert "test.ok" not in result.output

    everything = await hub(database_url, "jobs", "list")
    assert everything.exit_code == 0, everything.output
    assert "test.refused" in everything.output and "test.ok" in everything.output


async def test_jobs_replay_makes_a_dead_job_pending(
    db: Database, settings: Settings, database_url: str
) -> None:
    dead, _ = await dead_and_done(db, settings)
    result = await hub(database_url, "jobs", "replay", str(dead.id))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"job {dead.id} (test.refused) is pending again"
    # a command that writes names the database it wrote to, on stderr
    assert result.stderr == f"database: {database_url.removeprefix('sqlite+aiosqlite:///')}\n" or (
        database_url.startswith("postgresql")
        and result.stderr.startswith("database: postgresql://")
    )
    async with db.read() as conn:
        job = await job_store.get(conn, dead.id)
    assert job is not None and (job.state, job.attempts) == ("pending", 0)

    listed = await hub(database_url, "jobs", "list", "--state", "dead")
    assert listed.exit_code == 0
    assert "test.refused" not in listed.output


async def test_jobs_replay_refusals_are_one_line_errors(
    db: Database, settings: Settings, database_url: str
) -> None:
    _, done = await dead_and_done(db, settings)
    unknown = await hub(database_url, "jobs", "replay", "987654")
    assert unknown.exit_code == 1
    assert unknown.stderr.strip().splitlines()[-1] == "Error: no job 987654"

    not_dead = await hub(database_url, "jobs", "replay", str(done.id))
    assert not_dead.exit_code == 1
    assert not_dead.stderr.strip().splitlines()[1:] == [
        f"Error: job {done.id} is done; only a dead job can be replayed"
    ]
    async with db.read() as conn:
        job = await job_store.get(conn, done.id)
    assert job is not None and job.state == "done"


def assert_one_line_error(result: Result, *, containing: str) -> None:
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    lines = [
        line for line in result.output.strip().splitlines() if not line.startswith("database: ")
    ]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: ")
    assert containing in lines[0]


@pytest.mark.parametrize(
    ("url", "containing"),
    [
        ("mysql://root@localhost/hub", "HUB_DATABASE_URL"),
        ("postgresql://postgres@127.0.0.1:1/hub", "cannot reach the database"),
    ],
)
async def test_bad_database_url_is_a_one_line_error(url: str, containing: str) -> None:
    for args in (("jobs", "list", "--state", "dead"), ("jobs", "replay", "1")):
        assert_one_line_error(await hub(url, *args), containing=containing)


@pytest.mark.parametrize("kind", ["sqlite-without-schema", "postgresql-missing-database"])
async def test_unusable_database_is_a_one_line_error(kind: str, tmp_path: Path) -> None:
    url = (
        f"sqlite:///{tmp_path / 'empty.db'}"
        if kind.startswith("sqlite")
        else "postgresql://postgres@127.0.0.1:5432/hub_no_such_database"
    )
    assert_one_line_error(await hub(url, "jobs", "list"), containing="database")


async def test_jobs_list_shows_a_retrying_job_with_its_next_attempt(
    db: Database, settings: Settings, database_url: str
) -> None:
    async def busy(ctx: JobContext, job: Job) -> None:
        raise RetryLater("partner busy", after_seconds=3600)

    registry = JobRegistry()
    registry.register("test.busy", busy)
    async with db.write() as conn:
        await job_store.enqueue(conn, [NewJob("test.busy", {})], now=utcnow(), max_attempts=4)
    assert await Worker(db, registry, settings).run_once() == 1
    async with db.read() as conn:
        (job,) = await job_store.list_jobs(conn, state="retrying", kind=None, after=None, limit=5)
    assert job.next_attempt_at is not None

    result = await hub(database_url, "jobs", "list", "--state", "retrying")
    assert result.exit_code == 0, result.output
    (row,) = [line for line in result.output.splitlines() if "test.busy" in line]
    assert "retrying" in row and "1/4" in row
    assert job.next_attempt_at.isoformat(sep=" ", timespec="minutes")[:16] in result.output
    untried = await hub(database_url, "jobs", "list", "--state", "pending")
    assert "test.busy" not in untried.output
