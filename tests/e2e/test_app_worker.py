"""``create_app(run_worker=True)`` (``hub serve``): the hub runs a job worker in the API's
process (``Hub.start(run_worker=True)``), and ``Hub.close`` stops it."""

from __future__ import annotations

import asyncio
import json

from litestar.testing import AsyncTestClient

from hub.api.app import create_app
from hub.bootstrap import Hub
from hub.clock import utcnow
from hub.config import Settings
from hub.store import jobs as job_store
from hub.store.database import Database
from hub.store.jobs import NewJob
from tests.conftest import PAYLOADS


async def job_states(db: Database) -> list[str]:
    async with db.read() as conn:
        found = await job_store.list_jobs(conn, state=None, kind=None, after=None, limit=10)
    return [j.state for j in found]


async def enqueue(db: Database) -> None:
    async with db.write() as conn:
        await job_store.enqueue(conn, [NewJob("order.accept", {})], now=utcnow(), max_attempts=1)


async def wait_for(db: Database, states: list[str], seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if await job_states(db) == states:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"jobs are {await job_states(db)}, not {states}")


async def test_the_apps_own_worker_runs_jobs(
    settings: Settings, db: Database, auth: dict[str, str]
) -> None:
    body = json.loads((PAYLOADS / "order_minimal.json").read_text())
    async with AsyncTestClient(app=create_app(settings, run_worker=True)) as client:
        r = await client.post("/orders", json=body, headers=auth)
        assert r.status_code == 201, r.text
        await wait_for(db, ["done"])  # the order.accept job, run in this process
        order = (await client.get(f"/orders/{r.json()['id']}", headers=auth)).json()
        assert order["status"] != "received"


async def test_closing_the_hub_stops_its_worker(settings: Settings, db: Database) -> None:
    hub = Hub.build(settings)
    await hub.start(run_worker=True)
    await enqueue(db)
    await wait_for(db, ["dead"])  # run (an order.accept without an order fails for good)
    await hub.close()

    await enqueue(db)
    await asyncio.sleep(settings.worker_poll_seconds * 6)
    assert await job_states(db) == ["dead", "pending"]  # no worker is left running
