"""Outbound webhooks against the real databases: a delivery exists exactly when its event
commits, the explicit emits (job.dead, inbound.quarantined, stock.changed), and the address
check at send time that DNS rebinding cannot get past."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
import pytest
from sqlalchemy import Connection, select

from hub.clock import utcnow
from hub.config import Settings
from hub.domain.lifecycle import EventKind
from hub.domain.webhooks import EventType
from hub.services import subscriptions as webhooks
from hub.services.intake import messages
from hub.services.intake.writer import OrderWriter
from hub.services.jobs import FatalJobError, JobContext, JobRegistry
from hub.services.stock_sync import fan_out, stock_changed
from hub.services.subscriptions import events, manage
from hub.store import inbound as inbound_store
from hub.store import subscriptions as store
from hub.store.database import Database
from hub.store.event_taps import tap_events, untap_events
from hub.store.jobs import Job, NewJob, enqueue_sync
from hub.store.orders import Event, add_events, event_row
from hub.store.tables import jobs
from hub.store.webhook_tables import webhook_deliveries
from hub.worker import Worker
from tests.integration.test_ingest import body_of, order_data, request

PUBLIC = "93.184.216.34"  # what the fake DNS answers at create time


async def public_dns(host: str, port: int) -> Sequence[str]:
    return [PUBLIC]


async def rebound_dns(host: str, port: int) -> Sequence[str]:
    return ["127.0.0.1"]


@pytest.fixture(autouse=True)
def tapped() -> Any:
    events.configure(0.0001)
    tap_events("webhooks", webhooks.timeline_tap)
    yield
    untap_events("webhooks")
    events.forget()


async def subscribe(db: Database, *types: str) -> str:
    sub = await manage.create(
        db, url="https://hooks.example.test/in", event_types=list(types), allow_private=False,
        description=None, allow_http_loopback=False, resolver=public_dns,
    )  # fmt: skip
    return sub.id


async def deliveries(db: Database) -> list[Any]:
    async with db.read() as conn:
        return list(await conn.execute(select(webhook_deliveries)))


def body(d: Any) -> dict[str, Any]:
    decoded: dict[str, Any] = msgspec.json.decode(d.body)
    return decoded


async def test_a_delivery_exists_exactly_when_its_event_commits(db: Database) -> None:
    await subscribe(db, "order.created", "order.status_changed")
    async with OrderWriter(db, max_attempts=5) as w:
        order = body_of(await w.submit(request(order_data())))
    (d,) = await deliveries(db)
    event = body(d)
    assert event["type"] == "order.created"
    assert event["data"]["order_id"] == order.id and event["data"]["kind"] == "received"
    async with db.read() as conn:
        (job,) = list(await conn.execute(select(jobs).where(jobs.c.kind == "webhook.deliver")))
    assert msgspec.json.decode(job.payload) == {"delivery": d.id}
    hold = Event(at=utcnow(), actor="op", kind=EventKind.HOLD, from_status="received",
                 to_status="on_hold", detail={"reason": "check"})  # fmt: skip
    with pytest.raises(RuntimeError):
        async with db.write() as conn:
            await add_events(conn, [event_row(order.id, hold)])
            raise RuntimeError("rolled back")
    assert len(await deliveries(db)) == 1  # the rolled-back event left no delivery
    async with db.write() as conn:
        await add_events(conn, [event_row(order.id, hold)])
    changed = [body(x) for x in await deliveries(db) if x.event_type == "order.status_changed"]
    assert [c["data"]["detail"] for c in changed] == [{"reason": "check"}]
    assert changed[0]["data"]["to_status"] == "on_hold"


async def test_rebinding_to_a_private_address_is_refused_at_send(
    db: Database, settings: Settings
) -> None:
    """Public when subscribed, loopback when sent: parked dead, nothing connected; and the
    dead delivery job makes no job.dead event of itself (no loop)."""
    await subscribe(db, "job.dead", "inbound.quarantined")
    await db.run_write(
        lambda c: webhooks.emit_sync(c, EventType.INBOUND_QUARANTINED, [({"x": 1}, utcnow())])
    )
    registry = JobRegistry()
    outbound = webhooks.register(
        registry, msgspec.structs.replace(settings, webhook_cache_seconds=0.0001)
    )
    outbound.resolver = rebound_dns
    try:
        await Worker(db, registry, settings).run_once()
    finally:
        await outbound.aclose()
    found = await deliveries(db)
    assert len(found) == 1, [(x.event_type, x.body, x.status) for x in found]
    (d,) = found
    assert d.status == "dead" and d.attempts == 1 and d.status_code is None
    assert "resolves to 127.0.0.1, a loopback address" in d.error


async def test_job_dead_is_announced(db: Database, settings: Settings) -> None:
    await subscribe(db, "job.dead")

    async def refuse(ctx: JobContext, job: Job) -> None:
        raise FatalJobError("the partner said no")

    registry = JobRegistry()
    registry.register("test.refused", refuse)
    await db.run_write(
        lambda c: enqueue_sync(c, [NewJob("test.refused", {})], now=utcnow(), max_attempts=3)
    )
    await Worker(db, registry, settings).run_once()
    (d,) = await deliveries(db)
    data = body(d)["data"]
    assert body(d)["type"] == "job.dead"
    assert data["kind"] == "test.refused" and "the partner said no" in data["error"]


async def test_quarantine_is_announced(db: Database, settings: Settings) -> None:
    await subscribe(db, "inbound.quarantined")
    await db.run_write(
        lambda c: inbound_store.keep_sync(
            c, message_id="01JWEBHOOKQUARANTINE000000", connection="nowhere", source="webhook",
            dedupe_key="q-1", topic=None, body=b"{}", now=utcnow(),
        )
    )  # fmt: skip
    status = await messages.process(
        JobContext(db=db, settings=settings), "01JWEBHOOKQUARANTINE000000"
    )
    assert status == "quarantined"
    (d,) = await deliveries(db)
    data = body(d)["data"]
    assert data["message_id"] == "01JWEBHOOKQUARANTINE000000"
    assert "not configured" in data["reason"]


async def test_no_subscription_wants_it_nothing_is_written(db: Database) -> None:
    await subscribe(db, "tracking.updated")
    n = await db.run_write(
        lambda c: webhooks.emit_sync(c, EventType.JOB_DEAD, [({"x": 1}, utcnow())])
    )
    assert n == 0 and await deliveries(db) == []
    async with db.read() as conn:
        assert await store.list_deliveries(conn, "x", status=None, after=None, limit=5) == []


async def test_stock_changes_are_announced_from_the_fan_out(db: Database) -> None:
    """No channel pushes stock here: the event still says the SKU changed, with no figures."""
    await subscribe(db, "stock.changed")

    def move_and_fan_out(conn: Connection) -> None:
        stock_changed(conn, ["TEE", "MUG"], now=utcnow())
        fan_out(conn, [])

    await db.run_write(move_and_fan_out)
    found = sorted(
        (body(d)["data"]["sku"], body(d)["data"]["channels"]) for d in await deliveries(db)
    )
    assert found == [("MUG", {}), ("TEE", {})]
