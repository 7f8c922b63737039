"""Webhook deliveries go out in batches: many claimed in one transaction, sent at once over
the pooled client, their outcomes recorded many to a commit; and a worker killed with
SIGKILL mid-send loses none of them (real ``hub worker`` processes, a real receiver)."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest
from sqlalchemy import select

from hub.clock import utcnow
from hub.config import Settings
from hub.services import subscriptions as webhooks
from hub.services.jobs import JobRegistry
from hub.store import subscriptions as store
from hub.store.database import Database
from hub.store.tables import jobs
from hub.store.webhook_tables import webhook_deliveries
from hub.subscriptions.delivery import event_body
from hub.worker import Worker
from tests.integration.test_worker_kill import start_worker, wait_for  # noqa: F401 (fixture)
from tests.support.webhook_receiver import receiving

TYPE = "order.created"


@pytest.fixture(autouse=True)
def loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ``hub worker`` processes may post to the receiver on 127.0.0.1 over http (set
    before ``start_worker`` copies the environment: autouse fixtures come first)."""
    monkeypatch.setenv("HUB_WEBHOOK_ALLOW_HTTP_LOOPBACK", "1")


async def subscribe_and_queue(db: Database, url: str, n: int) -> list[str]:
    async with db.write() as conn:
        sub = await store.add(
            conn, url=url, event_types=[TYPE], allow_private=False, description=None,
            secret="whsec_" + "A" * 32, now=utcnow(),
        )  # fmt: skip

    def queue(conn: Any) -> list[str]:
        items = [(sub.id, TYPE, event_body(TYPE, utcnow(), {"n": i})) for i in range(n)]
        return store.queue_sync(conn, items, now=utcnow())

    ids: list[str] = await db.run_write(queue)
    return ids


async def statuses(db: Database) -> list[str]:
    async with db.read() as conn:
        return [r.status for r in await conn.execute(select(webhook_deliveries.c.status))]


async def test_sixty_deliveries_take_a_few_transactions(db: Database, settings: Settings) -> None:
    """Claimed in one transaction and recorded in one: not two or more per delivery."""
    hooks = msgspec.structs.replace(
        settings, webhook_allow_http_loopback=True, webhook_per_subscriber=8
    )
    writes = 0
    run_write, write = db.run_write, db.write

    def counted(fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            nonlocal writes
            writes += 1
            return fn(*args, **kwargs)

        return call

    with receiving() as rx:
        ids = await subscribe_and_queue(db, rx.url("/status/200"), 60)
        registry = JobRegistry()
        outbound = webhooks.register(registry, hooks)
        db.run_write, db.write = counted(run_write), counted(write)  # type: ignore[method-assign]
        try:
            assert await Worker(db, registry, hooks).run_once() == 60
        finally:
            db.run_write, db.write = run_write, write  # type: ignore[method-assign]
            await outbound.aclose()
        assert sorted(s.headers["webhook-id"] for s in rx.seen) == sorted(ids)
    assert await statuses(db) == ["delivered"] * 60
    async with db.read() as conn:
        assert {r.state for r in await conn.execute(select(jobs.c.state))} == {"done"}
    assert writes <= 3, f"{writes} write transactions for 60 deliveries"


async def test_kill_9_mid_send_loses_no_delivery(
    db: Database,
    start_worker: Callable[..., subprocess.Popen[bytes]],  # noqa: F811 (the fixture)
    tmp_path: Path,
) -> None:
    """The first worker claims all twenty and hangs on the first sends; SIGKILL. Nothing is
    recorded as delivered, nothing is lost: the second worker delivers all twenty."""
    with receiving() as rx:
        ids = await subscribe_and_queue(db, rx.url("/hang"), 20)
        first = start_worker("first")

        async def hanging() -> bool:
            return len(rx.seen) >= 4

        await wait_for(hanging, "the first sends", worker=first, log=tmp_path / "first.log")
        os.kill(first.pid, signal.SIGKILL)
        assert first.wait(timeout=10) == -signal.SIGKILL
        assert set(await statuses(db)) == {"pending"}
        async with db.read() as conn:
            states = [r.state for r in await conn.execute(select(jobs.c.state))]
        assert len(states) == 20 and "done" not in states and "dead" not in states
        rx.release.set()
        second = start_worker("second")

        async def all_delivered() -> bool:
            return await statuses(db) == ["delivered"] * 20

        log = tmp_path / "second.log"
        await wait_for(all_delivered, "every delivery", worker=second, log=log)
        assert {s.headers["webhook-id"] for s in rx.seen} == set(ids)
