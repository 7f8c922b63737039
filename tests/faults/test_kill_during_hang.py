"""kill -9 of a worker holding a lease, while the other worker is in a partner call that
hangs: the survivor takes the lease over within the lease time plus one poll.

Two real ``hub worker`` processes share a database (lease 1 s, poll 0.1 s):

- ``doomed`` (concurrency 1) runs ``test.slow`` (``tests.support.slow_jobs``), whose first
  attempt hangs; with its one slot full it claims nothing else;
- ``survivor`` then sends a fulfilment to a warehouse whose API (a real socket on
  127.0.0.1) accepts the request and never answers: the call hangs for the whole test.

``doomed`` is SIGKILLed. Its lease runs out and ``survivor``, its partner call still
hanging, claims ``test.slow`` and finishes it; the time from the kill to that claim is at
most the lease plus one poll (and a little for a loaded machine).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from litestar.testing import AsyncTestClient

from hub.api.app import create_app
from hub.clock import utcnow
from hub.config import Settings
from hub.services import keys as key_service
from hub.store import jobs as job_store
from hub.store.database import Database
from hub.store.jobs import Job, NewJob
from tests.faults.partner import HANG, Partner, running
from tests.faults.support import eventually, fault_settings, post_order, stocked
from tests.support import slow_jobs

ROOT = Path(__file__).resolve().parents[2]
LEASE = 1.0
POLL = 0.1
SLACK = 0.75  # a loaded test machine: process scheduling, the database


class Workers:
    """``hub worker`` subprocesses on one database; killed at the end."""

    def __init__(self, settings: Settings, tmp_path: Path) -> None:
        self.env = {
            **os.environ,
            "HUB_DATABASE_URL": settings.database_url,
            "HUB_CONFIG": str(settings.config_path),
            "HUB_PLUGINS": "tests.support.slow_jobs",
            "HUB_JOB_LEASE_SECONDS": str(LEASE),
            "HUB_WORKER_POLL_SECONDS": str(POLL),
            "HUB_PARTNER_TIMEOUT_SECONDS": "120",
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p
            ),
        }
        self.tmp_path = tmp_path
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, **env: str) -> subprocess.Popen[bytes]:
        log = (self.tmp_path / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "hub.cli", "worker"],
            env={**self.env, **env},
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.started.append(proc)
        return proc

    def log(self, name: str) -> str:
        return (self.tmp_path / f"{name}.log").read_text(errors="replace")

    def stop_all(self) -> None:
        for proc in self.started:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=10)


async def jobs_of(db: Database, kind: str) -> list[Job]:
    async with db.read() as conn:
        return await job_store.list_jobs(conn, state=None, kind=kind, after=None, limit=10)


async def test_a_killed_workers_lease_is_taken_over_while_the_other_hangs_on_a_partner(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    async with running(HANG) as partner:
        chosen = fault_settings(settings, tmp_path, partner.url)
        found = Workers(chosen, tmp_path)
        try:
            await _scene(chosen, db, found, partner, marks)
        finally:
            found.stop_all()


async def _scene(
    settings: Settings, db: Database, workers: Workers, partner: Partner, marks: Path
) -> None:
    doomed = workers.start("doomed", HUB_WORKER_CONCURRENCY="1")
    async with db.write() as conn:
        await job_store.enqueue(
            conn, [NewJob(slow_jobs.KIND, {"dir": str(marks)})], now=utcnow(), max_attempts=5
        )

    async def doomed_holds_it() -> bool:
        assert doomed.poll() is None, workers.log("doomed")
        return slow_jobs.lines(marks) == ["started"]

    await eventually(doomed_holds_it, "the doomed worker to start test.slow", within=20)

    survivor = workers.start("survivor")
    _, key = await key_service.create(db, "admin", ["admin"])
    auth = {"Authorization": f"Bearer {key}"}
    async with AsyncTestClient(app=create_app(settings, run_worker=False)) as client:
        await stocked(client, auth)
        await post_order(client, auth, "K-1", "SLOW")

    async def survivor_hangs() -> bool:
        assert survivor.poll() is None, workers.log("survivor")
        (send,) = await jobs_of(db, "fulfilment.send") or [None]
        return bool(send and send.state == "running" and partner.calls("/orders"))

    await eventually(survivor_hangs, "the survivor's call to hang", within=20)
    (send,) = await jobs_of(db, "fulfilment.send")
    assert send.locked_by is not None and f":{survivor.pid}:" in send.locked_by

    os.kill(doomed.pid, signal.SIGKILL)
    killed = time.monotonic()
    assert await asyncio.to_thread(doomed.wait, 10) == -signal.SIGKILL

    async def taken_over() -> bool:
        (slow,) = await jobs_of(db, slow_jobs.KIND)
        return slow.locked_by is not None and f":{survivor.pid}:" in slow.locked_by

    await eventually(taken_over, "the survivor to take the lease over", within=10)
    took = time.monotonic() - killed
    print(f"\nlease taken over {took:.2f} s after the kill (lease {LEASE} s, poll {POLL} s)")
    assert took <= LEASE + POLL + SLACK, workers.log("survivor")

    async def finished() -> bool:
        (slow,) = await jobs_of(db, slow_jobs.KIND)
        return slow.state == "done"

    await eventually(finished, "test.slow to be done", within=5)
    (slow,) = await jobs_of(db, slow_jobs.KIND)
    assert slow.attempts == 2
    assert slow_jobs.lines(marks) == ["started", "finished"]
    (send,) = await jobs_of(db, "fulfilment.send")
    assert send.state == "running", "the partner call still hangs, and held up nothing"
    assert len(partner.calls("/orders")) == 1
