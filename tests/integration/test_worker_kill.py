"""kill -9 proof: a worker killed mid-job loses nothing, and the job runs to completion once.

Real ``hub worker`` processes run the ``test.slow`` job from ``tests.support.slow_jobs``,
whose first attempt records ``started`` and then hangs. The first worker is SIGKILLed while
it hangs; the job must still be ``running`` (claimed, not lost, not done). A second worker
takes it once the 1-second lease runs out and records ``finished`` exactly once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from hub.clock import utcnow
from hub.store import jobs as job_store
from hub.store.database import Database
from hub.store.jobs import Job, NewJob
from tests.support import slow_jobs

ROOT = Path(__file__).resolve().parents[2]


def output(log: Path) -> str:
    return log.read_text(errors="replace")


async def wait_for(
    check: Callable[[], Awaitable[bool]], what: str, *, worker: subprocess.Popen[bytes], log: Path
) -> None:
    """Poll ``check`` until it is true; fail early, with the worker's log, if the worker died."""
    deadline = time.monotonic() + 20
    while not await check():
        if worker.poll() is not None:
            raise AssertionError(f"worker exited ({worker.returncode}):\n{output(log)}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}:\n{output(log)}")
        await asyncio.sleep(0.05)


@pytest.fixture
def start_worker(
    database_url: str, tmp_path: Path
) -> Iterator[Callable[[str], subprocess.Popen[bytes]]]:
    """Start ``hub worker`` subprocesses; every one still alive is killed at teardown."""
    started: list[subprocess.Popen[bytes]] = []
    env = {
        **os.environ,
        "HUB_DATABASE_URL": database_url,
        "HUB_PLUGINS": "tests.support.slow_jobs",
        "HUB_JOB_LEASE_SECONDS": "1",
        "HUB_WORKER_POLL_SECONDS": "0.1",
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p
        ),
    }

    def start(name: str) -> subprocess.Popen[bytes]:
        log = (tmp_path / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "hub.cli", "worker"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        started.append(proc)
        return proc

    try:
        yield start
    finally:
        for proc in started:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=10)


async def get(db: Database, job_id: int) -> Job:
    async with db.read() as conn:
        job = await job_store.get(conn, job_id)
    assert job is not None
    return job


async def test_job_survives_kill_9_of_its_worker(
    db: Database, start_worker: Callable[[str], subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    first = start_worker("first")
    async with db.write() as conn:
        await job_store.enqueue(
            conn, [NewJob(slow_jobs.KIND, {"dir": str(marks)})], now=utcnow(), max_attempts=5
        )
    async with db.read() as conn:
        (queued,) = await job_store.list_jobs(conn, state=None, kind=None, after=None, limit=10)

    async def started() -> bool:
        return slow_jobs.lines(marks) == ["started"]

    await wait_for(started, "the first attempt", worker=first, log=tmp_path / "first.log")
    os.kill(first.pid, signal.SIGKILL)
    assert first.wait(timeout=10) == -signal.SIGKILL

    job = await get(db, queued.id)
    assert (job.state, job.attempts) == ("running", 1), "killed mid-job: still claimed"
    assert job.locked_by is not None and f":{first.pid}:" in job.locked_by

    second = start_worker("second")

    async def settled() -> bool:
        return (await get(db, queued.id)).state not in ("pending", "running")

    await wait_for(settled, "the second attempt", worker=second, log=tmp_path / "second.log")
    job = await get(db, queued.id)
    assert (job.state, job.attempts) == ("done", 2), job.last_error
    assert job.locked_by is not None and f":{second.pid}:" in job.locked_by
    assert slow_jobs.lines(marks) == ["started", "finished"]
