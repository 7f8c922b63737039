"""The generic JSON webhook refuses replays over HTTP when its settings name a time header.

The partner (the example partner of connectors/generic_json) signs ``{timestamp}.{body}``
and sends its time in ``X-Sent-At``: a delivery sent now is accepted (202), the same
delivery with a time more than five minutes old is refused (401) and nothing is kept, even
though its signature is right. A connection without ``timestamp_header`` checks no time.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from hub.api.app import create_app
from hub.config import Settings
from hub.mapping import load_default
from hub.sdk import hmac_sha256_hex
from hub.store.database import Database
from hub.store.tables import inbound_messages

ROOT = Path(__file__).resolve().parents[2]
BODY = (ROOT / "connectors/generic_json/tests/fixtures/example_partner_order.json").read_bytes()
SECRET = "partner-x-test-secret"
CONNECTION = """\
  - code: {code}
    connector: generic_json
    settings:
      mapping: example_partner_order
      signature_header: X-Partner-Signature
      signature_encoding: hex
      signature_prefix: "sha256="
      dedupe_header: X-Delivery-Id
{extra}
    secrets:
      webhook_secret: {{env: TEST_PARTNER_SECRET}}
"""
TIMED = """\
      timestamp_header: X-Sent-At
      signed_content: "{timestamp}.{body}"
"""


@pytest.fixture
async def partner_client(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[AsyncTestClient]:
    config = tmp_path / "hub.yaml"
    config.write_text(
        "connections:\n"
        + CONNECTION.format(code="partner-timed", extra=TIMED.rstrip("\n"))
        + CONNECTION.format(code="partner-untimed", extra="      topic_header: X-Event")
    )
    monkeypatch.setenv("TEST_PARTNER_SECRET", SECRET)
    monkeypatch.delenv("HUB_MAPPINGS_DIR", raising=False)
    load_default.cache_clear()
    app = create_app(msgspec.structs.replace(settings, config_path=str(config)), run_worker=False)
    async with AsyncTestClient(app=app) as test_client:
        yield test_client
    load_default.cache_clear()


async def deliver(
    client: AsyncTestClient, code: str, delivery: str, sent_at: int
) -> tuple[int, str]:
    signed = f"{sent_at}.".encode() + BODY if code == "partner-timed" else BODY
    headers = {
        "Content-Type": "application/json",
        "X-Partner-Signature": "sha256=" + hmac_sha256_hex(SECRET, signed),
        "X-Delivery-Id": delivery,
        "X-Sent-At": str(sent_at),
    }
    r = await client.post(f"/webhooks/{code}", content=BODY, headers=headers)
    return r.status_code, r.text


async def kept(db: Database) -> int:
    async with db.read() as conn:
        query = select(func.count()).select_from(inbound_messages)
        return int((await conn.execute(query)).scalar_one())


async def test_a_stale_timestamp_is_refused_and_a_fresh_one_accepted(
    partner_client: AsyncTestClient, db: Database
) -> None:
    now = int(time.time())
    status, answer = await deliver(partner_client, "partner-timed", "dlv-old", now - 3600)
    assert status == 401, answer
    assert (await deliver(partner_client, "partner-timed", "dlv-future", now + 3600))[0] == 401
    assert await kept(db) == 0

    status, answer = await deliver(partner_client, "partner-timed", "dlv-now", now)
    assert status == 202, answer
    assert await kept(db) == 1


async def test_without_timestamp_header_an_old_delivery_is_not_refused(
    partner_client: AsyncTestClient, db: Database
) -> None:
    old = int(time.time()) - 86_400
    status, answer = await deliver(partner_client, "partner-untimed", "dlv-yesterday", old)
    assert status == 202, answer
