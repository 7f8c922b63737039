"""A signed webhook whose JSON is nested thousands deep is kept, then quarantined with a
clear reason: it never fails job after job and stays ``received``. Webhooks take any
Content-Type (they are verified on their raw bytes), unlike the API's JSON bodies."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from hub.api.app import create_app
from hub.bootstrap import Hub
from hub.config import Settings
from hub.sdk import hmac_sha256_hex
from hub.store.tables import inbound_messages, jobs
from tests.e2e.test_webhooks import (  # the fixtures are used by name
    BODY,
    deliver,
    hub,
    hub_client,
    hub_settings,
    mappings,
    run_jobs,
    signed,
)

__all__ = ["hub", "hub_client", "hub_settings", "mappings"]
EASYPOST_SECRET = "easypost-nesting-test-secret"


def nested(depth: int, head: bytes = b'{"id": 820982911946154500, "note_attributes": ') -> bytes:
    """A partner-looking document that hides ``depth`` nested arrays in one field."""
    return head + b"[" * depth + b"]" * depth + b"}"


async def quarantined_reason(hub: Hub) -> str:
    """The one kept message's reason, once it is quarantined and every job is done."""
    async with hub.db.read() as conn:
        message = (await conn.execute(select(inbound_messages))).one()
        job_states = (await conn.execute(select(jobs.c.kind, jobs.c.state))).all()
    assert message.status == "quarantined", (message.status, job_states)
    assert all(state == "done" for _, state in job_states), job_states
    return str(message.reason)


async def test_a_deeply_nested_webhook_is_quarantined_naming_why(
    hub_client: AsyncTestClient, hub: Hub
) -> None:
    body = nested(5000)
    status, answer = await deliver(hub_client, body, **signed(body, "evt-deep"))
    assert status == 202, answer
    await run_jobs(hub)
    assert "nested too deeply" in await quarantined_reason(hub)


async def test_a_webhook_is_taken_whatever_its_content_type(
    hub_client: AsyncTestClient,
) -> None:
    status, answer = await deliver(hub_client, BODY, **{"Content-Type": "text/plain"})
    assert status == 202, answer


@pytest.fixture
def easypost_settings(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    config = tmp_path / "hub.yaml"
    config.write_text(
        "connections:\n"
        "  - code: easypost\n"
        "    connector: easypost\n"
        "    secrets:\n"
        "      api_key: {env: NESTING_EASYPOST_KEY}\n"
        "      webhook_secret: {env: NESTING_EASYPOST_SECRET}\n"
    )
    monkeypatch.setenv("NESTING_EASYPOST_KEY", "EZTK-nesting")
    monkeypatch.setenv("NESTING_EASYPOST_SECRET", EASYPOST_SECRET)
    return msgspec.structs.replace(settings, config_path=str(config))


async def test_a_carrier_event_too_deep_to_describe_is_kept_and_quarantined(
    easypost_settings: Settings,
) -> None:
    """EasyPost's event id is read before keeping; a body too deep for that is kept anyway
    (under its digest) rather than answered with a 500 the carrier would retry forever."""
    body = nested(5000, b'{"id": "evt_deep", "description": "tracker.updated", "result": ')
    signature = "hmac-sha256-hex=" + hmac_sha256_hex(EASYPOST_SECRET.encode(), body)
    headers = {"X-Hmac-Signature": signature, "Content-Type": "application/json"}
    async with AsyncTestClient(app=create_app(easypost_settings, run_worker=False)) as client:
        r = await client.post("/webhooks/easypost", content=body, headers=headers)
    assert r.status_code == 202, r.text
    built = Hub.build(easypost_settings)
    await built.start()
    try:
        await run_jobs(built)
        assert "nested too deeply" in await quarantined_reason(built)
    finally:
        await built.close()
