"""A Shopify order waits for its money: held ``awaiting_payment`` with its stock reserved,
then ``orders/paid`` arrives signed and the order is released to fulfilment by itself. A
refund Shopify reports later is recorded, even though the order was released.

The webhooks are the connector's fixtures with their test signatures (``orders_create_pending``
is a bank-deposit order, ``orders_paid`` the same order once paid), over HTTP into the real
app and worker, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from hub.api.app import create_app
from hub.bootstrap import Hub
from hub.config import Settings
from hub.sdk import hmac_sha256_base64
from hub.worker import Worker

FIXTURES = Path(__file__).resolve().parents[2] / "connectors" / "shopify" / "fixtures"
PENDING = json.loads((FIXTURES / "orders_create_pending.headers.json").read_text())
PAID = json.loads((FIXTURES / "orders_paid.headers.json").read_text())
SECRET = PENDING["secret"]


@pytest.fixture
def hub_settings(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    config = tmp_path / "hub.yaml"
    config.write_text(
        "connections:\n"
        "  - code: shopify-eu\n"  # release_when: the shops' default, paid
        "    connector: shopify\n"
        "    secrets: {webhook_secret: {env: TEST_SHOPIFY_SECRET}}\n"
    )
    monkeypatch.setenv("TEST_SHOPIFY_SECRET", SECRET)
    return msgspec.structs.replace(settings, config_path=str(config))


@pytest.fixture
async def hub_client(hub_settings: Settings) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=create_app(hub_settings, run_worker=False)) as client:
        yield client


@pytest.fixture
async def hub(hub_settings: Settings) -> AsyncIterator[Hub]:
    built = Hub.build(hub_settings)
    await built.start()
    yield built
    await built.close()


async def run_jobs(hub: Hub) -> None:
    worker = Worker(hub.db, hub.registry, hub.settings, context=hub.job_context())
    while await worker.run_once():
        pass


async def deliver(client: AsyncTestClient, name: str, headers: dict[str, str]) -> int:
    body = (FIXTURES / f"{name}.json").read_bytes()
    sent = {**headers, "Content-Type": "application/json"}
    r = await client.post("/webhooks/shopify-eu", content=body, headers=sent)
    return r.status_code


async def stock(client: AsyncTestClient, auth: dict[str, str]) -> None:
    r = await client.post("/locations", json={"code": "main", "name": "Main"}, headers=auth)
    assert r.status_code == 201, r.text
    moves = [
        {"kind": "receipt", "sku": sku, "location": "main", "quantity": 10, "reason": "in"}
        for sku in ("TEE-ORG-BLK-M", "MUG-CER-350")
    ]
    r = await client.post("/stock/movements", json={"movements": moves}, headers=auth)
    assert r.status_code == 201, r.text


async def the_order(client: AsyncTestClient, auth: dict[str, str]) -> dict[str, Any]:
    (listed,) = (await client.get("/orders", headers=auth)).json()["items"]
    got: dict[str, Any] = (await client.get(f"/orders/{listed['id']}", headers=auth)).json()
    return got


async def test_held_awaiting_payment_then_orders_paid_releases_it(
    hub_client: AsyncTestClient, hub: Hub, auth: dict[str, str]
) -> None:
    await stock(hub_client, auth)
    assert await deliver(hub_client, "orders_create_pending", PENDING["headers"]) == 202
    await run_jobs(hub)

    order = await the_order(hub_client, auth)
    assert order["status"] == "on_hold"
    hold = order["timeline"][-1]
    assert (hold["kind"], hold["from_status"]) == ("hold", "accepted")
    assert hold["detail"] == {
        "reason": "awaiting_payment", "release_when": "paid", "total": 7015,
        "authorized": 0, "captured": 0,
    }  # fmt: skip
    assert order["payment"] == {
        "status": "pending", "transactions": [], "authorized": 0, "captured": 0,
        "refunded": 0, "balance_due": 7015, "refund_due": 0,
    }  # fmt: skip
    tee = (await hub_client.get("/stock/TEE-ORG-BLK-M", headers=auth)).json()
    assert tee["reserved"] == 2  # the stock is kept for it while it waits
    assert (await hub_client.get("/fulfilments", headers=auth)).json()["items"] == []

    # a forged orders/paid moves nothing
    forged = {**PAID["headers"], "X-Shopify-Hmac-Sha256": hmac_sha256_base64("x", b"{}")}
    assert await deliver(hub_client, "orders_paid", forged) == 401
    await run_jobs(hub)
    assert (await the_order(hub_client, auth))["status"] == "on_hold"

    assert await deliver(hub_client, "orders_paid", PAID["headers"]) == 202
    await run_jobs(hub)
    order = await the_order(hub_client, auth)
    assert order["status"] == "released"
    steps = [(e["kind"], e["actor"], e["to_status"]) for e in order["timeline"]]
    assert steps[-4:] == [
        ("payment", "channel:shopify-eu", None),
        ("release", "worker", "accepted"),
        ("route", "worker", "allocated"),
        ("release", "worker", "released"),
    ]
    assert order["timeline"][-3]["detail"] == {"reason": "payment arrived", "release_when": "paid"}
    payment = order["payment"]
    assert (payment["status"], payment["captured"], payment["balance_due"]) == ("paid", 7015, 0)
    [capture] = payment["transactions"]
    assert (capture["kind"], capture["amount"], capture["source"]) == ("capture", 7015, "status")
    (fulfilment,) = (await hub_client.get("/fulfilments", headers=auth)).json()["items"]
    assert fulfilment["order_id"] == order["id"]


async def test_a_refund_reported_after_release_is_recorded_not_refused(
    hub_client: AsyncTestClient, hub: Hub, auth: dict[str, str]
) -> None:
    await stock(hub_client, auth)
    await deliver(hub_client, "orders_create_pending", PENDING["headers"])
    await deliver(hub_client, "orders_paid", PAID["headers"])
    await run_jobs(hub)
    assert (await the_order(hub_client, auth))["status"] == "released"

    body = (FIXTURES / "orders_partially_refunded.json").read_bytes()
    headers = {
        "X-Shopify-Topic": "orders/updated",
        "X-Shopify-Event-Id": "refund-1",
        "X-Shopify-Hmac-Sha256": hmac_sha256_base64(SECRET, body),
        "Content-Type": "application/json",
    }
    r = await hub_client.post("/webhooks/shopify-eu", content=body, headers=headers)
    assert r.status_code == 202, r.text
    await run_jobs(hub)

    order = await the_order(hub_client, auth)
    assert order["status"] == "released"
    kinds = [e["kind"] for e in order["timeline"]]
    assert "update_refused" not in kinds and kinds[-1] == "payment"
    payment = order["payment"]
    assert (payment["status"], payment["captured"], payment["refunded"]) == (
        "partially_refunded", 7015, 1305,
    )  # fmt: skip
    refund = payment["transactions"][-1]
    assert (refund["kind"], refund["reference"], refund["method"]) == (
        "refund", "7120045512301", "shopify_payments",
    )  # fmt: skip
