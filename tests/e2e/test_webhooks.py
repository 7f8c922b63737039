"""Signed partner webhooks over HTTP: verified on raw bytes, kept once, mapped in a job.

Uses the built-in Shopify connector and the real Shopify payload with its real test
signature. Unmappable payloads are quarantined and replayed once the mapping is fixed.
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
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from hub.api.app import create_app
from hub.bootstrap import Hub
from hub.config import Settings
from hub.mapping import load_default, mappings_dir, registry
from hub.sdk import hmac_sha256_base64
from hub.store.tables import inbound_messages, jobs, orders
from hub.worker import Worker

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "connectors" / "shopify" / "fixtures"
BODY = (FIXTURES / "orders_create.json").read_bytes()
SIGNED = json.loads((FIXTURES / "orders_create.headers.json").read_text())
SECRET = SIGNED["secret"]
HEADERS: dict[str, str] = SIGNED["headers"]


@pytest.fixture
def mappings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the mappings folder, so a test may break and fix one."""
    folder = tmp_path / "mappings"
    shutil.copytree(mappings_dir(), folder)
    monkeypatch.setenv("HUB_MAPPINGS_DIR", str(folder))
    load_default.cache_clear()
    yield folder
    load_default.cache_clear()


@pytest.fixture
def hub_settings(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mappings: Path
) -> Settings:
    config = tmp_path / "hub.yaml"
    config.write_text(
        "connections:\n"
        "  - code: shopify-eu\n"
        "    connector: shopify\n"
        "    secrets:\n"
        "      webhook_secret: {env: TEST_SHOPIFY_SECRET}\n"
    )
    monkeypatch.setenv("TEST_SHOPIFY_SECRET", SECRET)
    return msgspec.structs.replace(settings, config_path=str(config))


@pytest.fixture
async def hub_client(hub_settings: Settings) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=create_app(hub_settings, run_worker=False)) as client:
        yield client


@pytest.fixture
async def hub(hub_settings: Settings) -> AsyncIterator[Hub]:
    """The hub as a worker process builds it, in the test's own event loop."""
    built = Hub.build(hub_settings)
    await built.start()
    yield built
    await built.close()


async def run_jobs(hub: Hub) -> None:
    worker = Worker(hub.db, hub.registry, hub.settings, context=hub.job_context())
    while await worker.run_once():
        pass


async def count(hub: Hub, table: Any) -> int:
    async with hub.db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def deliver(
    client: AsyncTestClient, body: bytes = BODY, **override: str
) -> tuple[int, dict[str, Any]]:
    headers = {**HEADERS, "Content-Type": "application/json", **override}
    r = await client.post("/webhooks/shopify-eu", content=body, headers=headers)
    return r.status_code, r.json()


def signed(body: bytes, event_id: str) -> dict[str, str]:
    return {
        "X-Shopify-Hmac-Sha256": hmac_sha256_base64(SECRET, body),
        "X-Shopify-Event-Id": event_id,
    }


async def test_a_signed_delivery_becomes_the_canonical_order(
    hub_client: AsyncTestClient, hub: Hub
) -> None:
    status, answer = await deliver(hub_client)
    assert (status, answer["status"]) == (202, "accepted")
    assert await count(hub, orders) == 0  # mapped in the job, not in the request
    await run_jobs(hub)

    async with hub.db.read() as conn:
        message = (await conn.execute(select(inbound_messages))).one()
        row = (await conn.execute(select(orders))).one()
    assert message.status == "processed" and message.body == BODY
    assert json.loads(message.order_ids) == [row.id]
    assert (row.channel, row.external_id, row.total, row.currency) == (
        "shopify-eu", "5812345678901", 7015, "EUR",
    )  # fmt: skip


async def test_the_same_delivery_twice_is_kept_once(hub_client: AsyncTestClient, hub: Hub) -> None:
    assert (await deliver(hub_client))[0] == 202
    status, answer = await deliver(hub_client)
    assert (status, answer["status"]) == (200, "duplicate")
    await run_jobs(hub)
    assert await count(hub, inbound_messages) == 1
    assert await count(hub, orders) == 1


async def test_a_changed_byte_is_refused_and_nothing_kept(
    hub_client: AsyncTestClient, hub: Hub
) -> None:
    tampered = BODY.replace(b'"total_price":"70.15"', b'"total_price":"70.16"', 1)
    if tampered == BODY:
        tampered = BODY[:-2] + (b" " if BODY[-2:-1] != b" " else b"\n") + BODY[-1:]
    status, answer = await deliver(hub_client, tampered)
    assert status == 401 and answer["status"] == 401
    status, _ = await deliver(hub_client, BODY, **{"X-Shopify-Hmac-Sha256": "AAAA"})
    assert status == 401
    assert await count(hub, inbound_messages) == 0
    assert await count(hub, jobs) == 0


async def test_unknown_connection_is_404(hub_client: AsyncTestClient) -> None:
    r = await hub_client.post("/webhooks/nope", content=BODY, headers=HEADERS)
    assert r.status_code == 404


async def test_fifty_concurrent_duplicates_give_one_order(
    hub_client: AsyncTestClient, hub: Hub
) -> None:
    # 25 copies of one delivery, and 25 other deliveries (other event ids) of the same order.
    same = [deliver(hub_client) for _ in range(25)]
    others = [deliver(hub_client, BODY, **signed(BODY, f"evt-{i}")) for i in range(25)]
    results = await asyncio.gather(*same, *others)
    first_copies = [a["status"] for _, a in results[:25]]
    assert first_copies.count("accepted") == 1 and first_copies.count("duplicate") == 24
    assert all(a["status"] == "accepted" for _, a in results[25:])
    await run_jobs(hub)
    assert await count(hub, inbound_messages) == 26
    assert await count(hub, orders) == 1


async def test_unmappable_payload_is_quarantined_then_replayed_after_the_fix(
    hub_client: AsyncTestClient,
    hub: Hub,
    auth: dict[str, str],
    mappings: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    doc = json.loads(BODY)
    doc["financial_status"] = "pending_review"  # a value the mapping's table does not know
    body = json.dumps(doc).encode()
    status, answer = await deliver(hub_client, body, **signed(body, "evt-odd"))
    assert status == 202
    await run_jobs(hub)

    r = await hub_client.get("/inbound", params={"status": "quarantined"}, headers=auth)
    (item,) = r.json()["items"]
    assert item["id"] == answer["inbound_id"]
    assert "payment.status" in item["reason"] and "pending_review" in item["reason"]
    assert await count(hub, orders) == 0

    # The integrator fixes the mapping: the new value means "pending".
    path = mappings / "shopify_order.yaml"
    spec = yaml.safe_load(path.read_text())
    table = next(t for t in spec["tables"].values() if "paid" in t["values"])
    table["values"]["pending_review"] = "pending"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))  # no restart, no cache flush
    monkeypatch.setattr(registry, "RECHECK_SECONDS", 0.0)  # not wait the 1 s between looks

    r = await hub_client.post(f"/inbound/{item['id']}/replay", headers=auth)
    assert r.status_code == 200 and r.json()["status"] == "processed"
    r = await hub_client.get("/orders", headers=auth)
    (order,) = r.json()["items"]
    assert order["payment"]["status"] == "pending" and order["channel"] == "shopify-eu"


async def test_connections_are_listed_without_secrets(
    hub_client: AsyncTestClient, auth: dict[str, str]
) -> None:
    r = await hub_client.get("/connections", headers=auth)
    assert r.status_code == 200
    shop = next(c for c in r.json()["items"] if c["code"] == "shopify-eu")
    assert shop["secrets"] == ["webhook_secret"] and "receive_webhook" in shop["capabilities"]
    assert SECRET not in r.text
