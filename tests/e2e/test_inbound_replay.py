"""``hub inbound replay`` in a shell without the webhook secrets, and the history of
quarantine reasons: a replay in the wrong shell never loses the first reason.

A Shopify webhook with a payment status the mapping does not know is quarantined by the
worker; then replayed from shells that lack the connections file, then the secret, then
with the mapping fixed. The reasons are shown by ``GET /inbound/{id}`` and
``hub inbound show``.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
import yaml
from click.testing import CliRunner, Result
from litestar.testing import AsyncTestClient

from hub.api.app import create_app
from hub.bootstrap import Hub
from hub.cli import main
from hub.clock import utcnow
from hub.config import Settings
from hub.mapping import load_default, mappings_dir, registry
from hub.sdk import hmac_sha256_base64
from hub.store import inbound as inbound_store
from hub.worker import Worker

ROOT = Path(__file__).resolve().parents[2]
SHOPIFY = ROOT / "connectors" / "shopify" / "fixtures"
SIGNED = json.loads((SHOPIFY / "orders_create.headers.json").read_text())
SECRET = SIGNED["secret"]
CONFIG = """\
connections:
  - code: shopify-eu
    connector: shopify
    secrets: {webhook_secret: {env: TEST_SHOPIFY_SECRET}}
  - code: square-pos
    connector: square
    secrets: {access_token: {env: TEST_SQUARE_TOKEN}, signature_key: {env: TEST_SQUARE_KEY}}
"""
UNKNOWN = "'pending_review' is not in table"


@pytest.fixture
def mappings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "mappings"
    shutil.copytree(mappings_dir(), folder)
    monkeypatch.setenv("HUB_MAPPINGS_DIR", str(folder))
    monkeypatch.setattr(registry, "RECHECK_SECONDS", 0.0)
    load_default.cache_clear()
    yield folder
    load_default.cache_clear()


@pytest.fixture
def hub_settings(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mappings: Path
) -> Settings:
    (tmp_path / "hub.yaml").write_text(CONFIG)
    for var, value in (("TEST_SHOPIFY_SECRET", SECRET), ("TEST_SQUARE_TOKEN", "t"),
                       ("TEST_SQUARE_KEY", "k")):  # fmt: skip
        monkeypatch.setenv(var, value)
    return msgspec.structs.replace(settings, config_path=str(tmp_path / "hub.yaml"))


@pytest.fixture
async def client(hub_settings: Settings) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=create_app(hub_settings, run_worker=False)) as c:
        yield c


async def worker_maps_everything(settings: Settings) -> None:
    hub = Hub.build(settings)
    await hub.start()
    try:
        worker = Worker(hub.db, hub.registry, hub.settings, context=hub.job_context())
        while await worker.run_once():
            pass
    finally:
        await hub.close()


async def quarantined_webhook(client: AsyncTestClient, settings: Settings, event: str) -> str:
    doc = json.loads((SHOPIFY / "orders_create.json").read_bytes())
    doc["financial_status"] = "pending_review"
    doc["id"] = doc["id"] + len(event)
    body = json.dumps(doc).encode()
    headers = {**SIGNED["headers"], "X-Shopify-Webhook-Id": event}
    headers["X-Shopify-Hmac-Sha256"] = hmac_sha256_base64(SECRET, body)
    r = await client.post("/webhooks/shopify-eu", content=body, headers=headers)
    assert r.status_code == 202, r.text
    await worker_maps_everything(settings)
    return str(r.json()["inbound_id"])


async def hub_cli(settings: Settings, *args: str, **env: str | None) -> Result:
    env = {"HUB_DATABASE_URL": settings.database_url, "HUB_CONFIG": settings.config_path, **env}
    return await asyncio.to_thread(CliRunner().invoke, main, list(args), env=env)


async def detail(client: AsyncTestClient, auth: dict[str, str], message_id: str) -> Any:
    r = await client.get(f"/inbound/{message_id}", headers=auth)
    assert r.status_code == 200, r.text
    return r.json()


def fix_the_mapping(mappings: Path) -> None:
    path = mappings / "shopify_order.yaml"
    spec = yaml.safe_load(path.read_text())
    table = next(t for t in spec["tables"].values() if "paid" in t["values"])
    table["values"]["pending_review"] = "pending"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))


async def test_replay_needs_no_secret_and_every_reason_is_kept(
    hub_settings: Settings, client: AsyncTestClient, auth: dict[str, str], mappings: Path
) -> None:
    message_id = await quarantined_webhook(client, hub_settings, "evt-1")
    first = (await detail(client, auth, message_id))["reasons"]
    assert [(r["actor"], UNKNOWN in r["reason"]) for r in first] == [("worker", True)]

    # A shell without the connections file: refused, nothing changed.
    lost = await hub_cli(hub_settings, "inbound", "replay", message_id, HUB_CONFIG=None)
    assert lost.exit_code == 1
    assert lost.stdout == (
        f"{message_id} not replayed: connection 'shopify-eu' is not configured here "
        f"(HUB_CONFIG); inbound message {message_id} is left as it was\n"
    )
    shown = await detail(client, auth, message_id)
    assert shown["reasons"] == first and shown["message"]["status"] == "quarantined"

    # A shell without the webhook secret maps the stored bytes: still unmappable.
    again = await hub_cli(hub_settings, "inbound", "replay", message_id, TEST_SHOPIFY_SECRET=None)
    assert (again.exit_code, again.stdout) == (1, f"{message_id} quarantined\n")
    reasons = (await detail(client, auth, message_id))["reasons"]
    assert [r["actor"] for r in reasons] == ["worker", "cli"] and reasons[0] == first[0]

    # The mapping fixed: the same shell, still without the secret, maps it.
    fix_the_mapping(mappings)
    fixed = await hub_cli(hub_settings, "inbound", "replay", message_id, TEST_SHOPIFY_SECRET=None)
    assert (fixed.exit_code, fixed.stdout) == (0, f"{message_id} processed\n")
    shown = await detail(client, auth, message_id)
    assert shown["message"]["status"] == "processed" and shown["message"]["reason"] is None
    assert shown["reasons"] == reasons  # the history stays
    assert len(shown["message"]["order_ids"]) == 1

    text = await hub_cli(hub_settings, "inbound", "show", message_id)
    assert text.exit_code == 0, text.output
    assert "status:     processed" in text.stdout and "reasons:    2" in text.stdout
    assert text.stdout.count(UNKNOWN) == 2 and '"financial_status"' in text.stdout
    as_json = json.loads(
        (await hub_cli(hub_settings, "inbound", "show", message_id, "--json")).stdout
    )
    assert [r["actor"] for r in as_json["reasons"]] == ["worker", "cli"]
    assert as_json["message"]["id"] == message_id and "pending_review" in as_json["body"]


async def test_an_api_replay_keeps_its_reason_under_the_key(
    hub_settings: Settings, client: AsyncTestClient, auth: dict[str, str]
) -> None:
    message_id = await quarantined_webhook(client, hub_settings, "evt-2")
    r = await client.post(f"/inbound/{message_id}/replay", headers=auth)
    assert r.status_code == 200 and r.json()["status"] == "quarantined"
    reasons = (await detail(client, auth, message_id))["reasons"]
    assert [r["actor"] for r in reasons] == ["worker", "key:admin"]
    assert reasons[0]["at"] <= reasons[1]["at"]


async def test_a_replay_that_must_call_the_partner_says_which_secret_is_missing(
    hub_settings: Settings, client: AsyncTestClient, auth: dict[str, str]
) -> None:
    """Square's webhook names the order; mapping it fetches the order with the token."""
    body = (ROOT / "connectors" / "square" / "fixtures" / "order_updated_webhook.json").read_bytes()

    def keep(conn: Any) -> None:
        inbound_store.keep_sync(
            conn, message_id="01JPB4Q3M8T0RDPY23YKBFTX99", connection="square-pos",
            source="webhook", dedupe_key="evt-sq", topic="order.updated", body=body, now=utcnow(),
        )  # fmt: skip

    hub = Hub.build(hub_settings)
    await hub.db.run_write(keep)
    await hub.db.dispose()
    result = await hub_cli(
        hub_settings, "inbound", "replay", "01JPB4Q3M8T0RDPY23YKBFTX99", TEST_SQUARE_TOKEN=None
    )
    assert result.exit_code == 1
    assert result.stdout == (
        "01JPB4Q3M8T0RDPY23YKBFTX99 not replayed: square connection 'square-pos' lacks secret "
        "'access_token' (not set in this shell: TEST_SQUARE_TOKEN)\n"
    )
    shown = await detail(client, auth, "01JPB4Q3M8T0RDPY23YKBFTX99")
    assert shown["message"]["status"] == "received" and shown["reasons"] == []
