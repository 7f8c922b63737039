"""``/jobs`` over HTTP on SQLite and PostgreSQL: list parked jobs, replay them, admins only.

Dead and done jobs are made the real way: enqueued, then run by a ``Worker`` whose handler
fails for good (or succeeds). The app under test runs no worker of its own.
"""

from __future__ import annotations

from typing import Any

import httpx
from litestar.testing import AsyncTestClient

from hub.clock import utcnow
from hub.config import Settings
from hub.services import keys as key_service
from hub.services.jobs import FatalJobError, JobContext, JobRegistry
from hub.store import jobs as job_store
from hub.store.database import Database
from hub.store.jobs import Job, NewJob
from hub.worker import Worker

PROBLEM_JSON = "application/problem+json"


async def refuse(ctx: JobContext, job: Job) -> None:
    raise FatalJobError(f"partner refused {job.payload['ref']}")


async def succeed(ctx: JobContext, job: Job) -> None:
    """Always works."""


async def make_jobs(db: Database, settings: Settings) -> tuple[int, int, int]:
    """One dead, one done and one pending job; returns their ids in that order."""
    registry = JobRegistry()
    registry.register("test.refused", refuse)
    registry.register("test.ok", succeed)
    async with db.write() as conn:
        await job_store.enqueue(
            conn,
            [NewJob("test.refused", {"ref": "A-1"}), NewJob("test.ok", {})],
            now=utcnow(),
            max_attempts=5,
        )
    assert await Worker(db, registry, settings).run_once() == 2
    async with db.write() as conn:
        await job_store.enqueue(conn, [NewJob("test.later", {})], now=utcnow(), max_attempts=5)
    async with db.read() as conn:
        dead, done, pending = await job_store.list_jobs(
            conn, state=None, kind=None, after=None, limit=10
        )
    assert (dead.state, done.state, pending.state) == ("dead", "done", "pending")
    return dead.id, done.id, pending.id


def assert_problem(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM_JSON)
    problem: dict[str, Any] = r.json()
    assert problem["status"] == status
    return problem


async def test_list_dead_jobs_with_their_errors_and_counts(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    dead, _, _ = await make_jobs(db, settings)
    r = await client.get("/jobs", params={"state": "dead"}, headers=auth)
    assert r.status_code == 200, r.text
    page = r.json()
    assert [j["id"] for j in page["items"]] == [dead]
    (item,) = page["items"]
    assert item["kind"] == "test.refused"
    assert item["state"] == "dead"
    assert item["attempts"] == 1
    assert item["payload"] == {"ref": "A-1"}
    assert item["last_error"] == "FatalJobError: partner refused A-1"
    assert page["counts"] == {"pending": 1, "retrying": 0, "running": 0, "done": 1, "dead": 1}
    assert page["next_cursor"] is None

    everything = (await client.get("/jobs", headers=auth)).json()
    assert [j["state"] for j in everything["items"]] == ["dead", "done", "pending"]


async def test_list_pages_with_a_cursor(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    ids = list(await make_jobs(db, settings))
    first = (await client.get("/jobs", params={"limit": 2}, headers=auth)).json()
    assert [j["id"] for j in first["items"]] == ids[:2]
    assert first["next_cursor"]
    params = {"limit": 2, "cursor": first["next_cursor"]}
    rest = await client.get("/jobs", params=params, headers=auth)
    assert [j["id"] for j in rest.json()["items"]] == ids[2:]
    assert rest.json()["next_cursor"] is None
    either = await client.get("/jobs", params={"state": ["dead", "done"]}, headers=auth)
    assert [j["state"] for j in either.json()["items"]] == ["dead", "done"]


async def test_replay_puts_a_dead_job_back_in_the_queue(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    dead, _, _ = await make_jobs(db, settings)
    r = await client.post(f"/jobs/{dead}/replay", headers=auth)
    assert r.status_code == 200, r.text
    job = r.json()
    assert (job["id"], job["state"], job["attempts"]) == (dead, "pending", 0)

    listed = (await client.get("/jobs", params={"state": "dead"}, headers=auth)).json()
    assert listed["items"] == []
    assert listed["counts"] == {"pending": 2, "retrying": 0, "running": 0, "done": 1, "dead": 0}
    async with db.read() as conn:
        stored = await job_store.get(conn, dead)
    assert stored is not None and (stored.state, stored.attempts) == ("pending", 0)

    again = assert_problem(await client.post(f"/jobs/{dead}/replay", headers=auth), 409)
    assert "pending" in again["detail"]


async def test_replay_of_unknown_job_is_404_problem(
    client: AsyncTestClient, auth: dict[str, str]
) -> None:
    problem = assert_problem(await client.post("/jobs/424242/replay", headers=auth), 404)
    assert problem["detail"] == "no job 424242"


async def test_jobs_need_the_admin_scope(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    dead, _, _ = await make_jobs(db, settings)
    _, plain = await key_service.create(db, "reader", ["orders:read"])
    reader = {"Authorization": f"Bearer {plain}"}
    assert (await client.get("/orders", headers=reader)).status_code == 200
    assert_problem(await client.get("/jobs", headers=reader), 403)
    assert_problem(await client.post(f"/jobs/{dead}/replay", headers=reader), 403)

    for path, method in (("/jobs", "GET"), (f"/jobs/{dead}/replay", "POST")):
        r = await client.request(method, path)
        assert_problem(r, 401)
        assert r.headers["www-authenticate"].lower().startswith("bearer")

    async with db.read() as conn:
        job = await job_store.get(conn, dead)
    assert job is not None and job.state == "dead", "a refused replay must change nothing"
