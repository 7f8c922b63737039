"""A warehouse partner that answers badly, end to end through the real hub: HTTP API,
database (both kinds), outbox, worker, connector, and a real server on 127.0.0.1.

- 302 with an empty body: never a success. The fulfilment stays open without a partner
  reference, the job is ``retrying`` with its next attempt and an error naming the
  Location; once the partner schedule has passed, the job is dead. (Seen under test: the
  job was ``done`` and the fulfilment ``accepted`` with no reference.)
- 500 then 201: retried within the call, accepted once, with one Idempotency-Key.
- 500 until the call gives up, then 201: the job is retried later and accepted.
- the connection dropped halfway through the answer: retried, accepted once; the breaker
  counted the failure and closed again on the answer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import update

from hub.api.app import create_app
from hub.bootstrap import Hub
from hub.clock import utcnow
from hub.config import Settings
from hub.services import keys as key_service
from hub.store.database import Database
from hub.store.tables import jobs as jobs_table
from tests.faults.partner import DROP, Partner, Step, answer, running
from tests.faults.support import CONNECTION, fault_settings, post_order, stocked

SEND = "fulfilment.send"


class Scene:
    def __init__(self, client: AsyncTestClient, auth: dict[str, str], hub: Hub) -> None:
        self.client, self.auth, self.hub = client, auth, hub
        self.worker = hub.worker()

    async def drain(self) -> None:
        while await self.worker.run_once():
            pass

    async def get(self, path: str, **params: Any) -> Any:
        r = await self.client.get(path, params=params, headers=self.auth)
        assert r.status_code == 200, r.text
        return r.json()

    async def send_job(self) -> dict[str, Any]:
        (job,) = (await self.get("/jobs", kind=SEND))["items"]
        return dict(job)

    async def fulfilment(self) -> dict[str, Any]:
        (found,) = (await self.get("/fulfilments", location="wh"))["items"]
        return dict(found)

    async def health(self) -> dict[str, Any]:
        listed = (await self.get("/connections"))["items"]
        return dict(next(c for c in listed if c["code"] == CONNECTION)["health"])

    async def age_send_job(self, hours: float = 0.0) -> None:
        """As if the job had been queued ``hours`` ago, and due now."""
        async with self.hub.db.write() as conn:
            await conn.execute(
                update(jobs_table)
                .where(jobs_table.c.kind == SEND)
                .values(created_at=utcnow() - timedelta(hours=hours), run_at=utcnow())
            )


@pytest.fixture
async def partner() -> AsyncIterator[Partner]:
    async with running() as found:
        yield found


@pytest.fixture
async def scene(
    settings: Settings, db: Database, tmp_path: Path, partner: Partner
) -> AsyncIterator[Scene]:
    chosen = fault_settings(
        settings,
        tmp_path,
        partner.url,
        partner_timeout_seconds=5.0,
        job_backoff_base_seconds=60.0,  # a retry waits until the test makes it due
        job_backoff_cap_seconds=3600.0,
    )
    _, key = await key_service.create(db, "admin", ["admin"])
    hub = Hub.build(chosen)
    await hub.start()
    try:
        async with AsyncTestClient(app=create_app(chosen, run_worker=False)) as client:
            auth = {"Authorization": f"Bearer {key}"}
            await stocked(client, auth)
            yield Scene(client, auth, hub)
    finally:
        await hub.close()


def script(partner: Partner, *steps: Step) -> None:
    partner.script[:] = list(steps)


async def test_a_302_with_an_empty_body_is_retried_then_dead_never_accepted(
    scene: Scene, partner: Partner
) -> None:
    script(partner, answer(302, Location="https://wh.example/login?session=private-77"))
    await post_order(scene.client, scene.auth, "R-1", "SLOW")
    await scene.drain()  # accepted, routed and sent: 302

    job = await scene.send_job()
    assert (job["state"], job["attempts"]) == ("retrying", 1)
    assert job["next_attempt_at"] is not None
    assert "partner answered 302, a redirect to https://wh.example/login" in job["last_error"]
    assert "private-77" not in job["last_error"]
    f = await scene.fulfilment()
    assert (f["status"], f["partner_ref"]) == ("open", None)
    assert [c.method for c in partner.seen] == ["POST"], "no retry in place, no lookup"

    await scene.age_send_job(hours=23)  # within the partner schedule: retried again
    await scene.worker.run_once()
    assert ((await scene.send_job())["state"], len(partner.seen)) == ("retrying", 2)

    await scene.age_send_job(hours=25)  # past it: dead, with the reason
    await scene.worker.run_once()
    job = await scene.send_job()
    assert (job["state"], job["attempts"]) == ("dead", 3)
    assert "302" in job["last_error"]
    f = await scene.fulfilment()
    assert (f["status"], f["partner_ref"]) == ("open", None), "never taken as sent"


async def test_500_then_201_is_accepted_once(scene: Scene, partner: Partner) -> None:
    script(partner, answer(500, {"error": "boom"}), answer(201, {"id": "WH-7"}))
    await post_order(scene.client, scene.auth, "R-2", "SLOW")
    await scene.drain()
    f = await scene.fulfilment()
    assert (f["status"], f["partner_ref"]) == ("accepted", "WH-7")
    job = await scene.send_job()
    assert (job["state"], job["attempts"]) == ("done", 1)  # retried within the one call
    posts = partner.calls("/orders")
    assert len(posts) == 2
    assert {p.headers["idempotency-key"] for p in posts} == {f["id"]}


async def test_500_past_the_calls_retries_is_retried_by_the_queue(
    scene: Scene, partner: Partner
) -> None:
    script(partner, *[answer(503)] * 4, answer(201, {"id": "WH-8"}))
    await post_order(scene.client, scene.auth, "R-3", "SLOW")
    await scene.drain()  # four 503s: the call gives up, the job will retry
    job = await scene.send_job()
    assert (job["state"], job["last_error"]) == (
        "retrying",
        "RetryLater: POST /orders: partner answered 503",
    )
    assert (await scene.fulfilment())["status"] == "open"
    await scene.age_send_job()  # its next attempt is due
    await scene.drain()
    f = await scene.fulfilment()
    assert (f["status"], f["partner_ref"]) == ("accepted", "WH-8")
    assert len(partner.calls("/orders")) == 5
    assert (await scene.health())["state"] == "closed", "5xx answers are answers"


async def test_a_connection_dropped_mid_answer_is_retried_and_accepted_once(
    scene: Scene, partner: Partner
) -> None:
    script(partner, DROP, answer(201, {"id": "WH-9"}))
    await post_order(scene.client, scene.auth, "R-4", "SLOW")
    await scene.drain()
    f = await scene.fulfilment()
    assert (f["status"], f["partner_ref"]) == ("accepted", "WH-9")
    posts = partner.calls("/orders")
    assert len(posts) == 2 and {p.headers["idempotency-key"] for p in posts} == {f["id"]}
    health = await scene.health()
    assert (health["state"], health["failures"]) == ("closed", 0)
    assert health["last_error"] == "POST /orders: RemoteProtocolError"
