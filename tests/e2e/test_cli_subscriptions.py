"""``hub subscriptions``: create (the secret printed once), list, deliveries, replay one and
every failed one, rotate the secret, delete; against the real database, a real worker and a
real receiver on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import msgspec
from click.testing import CliRunner, Result

from hub.cli import main
from hub.clock import utcnow
from hub.config import Settings
from hub.services import subscriptions as webhooks
from hub.services.jobs import JobRegistry
from hub.store import subscriptions as store
from hub.store.database import Database
from hub.subscriptions.delivery import event_body
from hub.worker import Worker
from tests.support.webhook_receiver import receiving


async def hub(database_url: str, *args: str) -> Result:
    env = {"HUB_DATABASE_URL": database_url, "COLUMNS": "80",
           "HUB_WEBHOOK_ALLOW_HTTP_LOOPBACK": "1"}  # fmt: skip
    return await asyncio.to_thread(CliRunner().invoke, main, list(args), env=env)


async def ok(database_url: str, *args: str) -> str:
    result = await hub(database_url, *args)
    assert result.exit_code == 0, result.output
    return result.stdout


async def deliver(db: Database, settings: Settings) -> None:
    """Run the worker over every due delivery (each fails at once: a 1 ms retry span)."""
    quick = msgspec.structs.replace(
        settings, webhook_allow_http_loopback=True, partner_retry_hours=1e-9
    )
    registry = JobRegistry()
    outbound = webhooks.register(registry, quick)
    try:
        while await Worker(db, registry, quick).run_once():
            pass
    finally:
        await outbound.aclose()


async def test_the_subscription_life_from_the_command_line(
    db: Database, settings: Settings
) -> None:
    url = settings.database_url
    with receiving() as rx:
        made = await ok(url, "subscriptions", "create", rx.url("/switch"), "--event",
                        "order.created", "--event", "job.dead", "--description", "ERP")  # fmt: skip
        secret = made.strip()
        assert secret.startswith("whsec_") and "\n" not in secret  # the secret alone
        listed = json.loads(await ok(url, "subscriptions", "list", "--json"))
        (sub,) = listed
        assert sub["url"] == rx.url("/switch") and "secret" not in sub
        assert sub["event_types"] == ["job.dead", "order.created"]
        text = await ok(url, "subscriptions", "list")
        assert sub["id"] in text and "job.dead order.created" in text
        assert all(len(line) <= 80 for line in text.splitlines())

        def queue(conn: Any) -> list[str]:
            body = event_body("order.created", utcnow(), {"order_id": "O1"})
            return store.queue_sync(conn, [(sub["id"], "order.created", body)] * 2, now=utcnow())

        ids = await db.run_write(queue)
        await deliver(db, settings)  # the receiver answers 503: dead at once
        shown = await ok(url, "subscriptions", "deliveries", sub["id"])
        assert shown.count("dead") == 2 and "503" in shown
        assert all(len(line) <= 80 for line in shown.splitlines())
        dead = json.loads(await ok(url, "subscriptions", "deliveries", sub["id"], "--json"))
        assert [(d["id"], d["status"], d["http_status"]) for d in dead] == [
            (i, "dead", 503) for i in sorted(ids)
        ]
        assert dead[0]["event"]["data"] == {"order_id": "O1"}

        rx.switch = 204
        out = await ok(url, "subscriptions", "replay", sub["id"], "--failed")
        assert out.strip() == "2 failed deliveries queued again"
        await deliver(db, settings)
        delivered = json.loads(await ok(url, "subscriptions", "deliveries", sub["id"],
                                        "--state", "delivered", "--json"))  # fmt: skip
        assert len(delivered) == 2
        out = await ok(url, "subscriptions", "replay", sub["id"], ids[0])
        assert out.strip() == f"delivery {ids[0]} queued again"
        await deliver(db, settings)
        assert sum(s.headers["webhook-id"] == ids[0] for s in rx.seen) == 3
        usage = await hub(url, "subscriptions", "replay", sub["id"])
        assert usage.exit_code == 2 and "--failed" in usage.stderr

    rotated = json.loads(await ok(url, "subscriptions", "rotate-secret", sub["id"], "--json"))
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != secret
    assert rotated["previous_secret_valid_until"] is not None
    out = await ok(url, "subscriptions", "delete", sub["id"])
    assert out.strip() == f"subscription {sub['id']} deleted"
    assert json.loads(await ok(url, "subscriptions", "list", "--json")) == []
    gone = await hub(url, "subscriptions", "delete", sub["id"])
    assert gone.exit_code == 1 and "no subscription" in gone.stderr


async def test_a_url_the_hub_would_not_reach_is_refused(db: Database, settings: Settings) -> None:
    refused = await hub(settings.database_url, "subscriptions", "create",
                        "http://example.test/in", "--event", "order.created")  # fmt: skip
    assert refused.exit_code == 1 and "url:" in refused.stderr
