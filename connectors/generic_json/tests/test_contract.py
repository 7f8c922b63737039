"""The connector contract (hub.sdk.testing) on the example partner's fixtures.

The example partner signs with hex HMAC-SHA256 behind ``sha256=`` in its own header and
sends a delivery id, so the contract runs on the non-default settings too; a second run has
the partner sign its send time with the body (``{timestamp}.{body}``), against replays.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.generic_json import connector
from hub.sdk import Connection, WebhookRequest, hmac_sha256_hex, load_default
from hub.sdk.testing import ConnectorContract, ContractSubject, SignedSample

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BODY = (FIXTURES / "example_partner_order.json").read_bytes()
SECRET = "test-partner-secret"
SETTINGS = {
    "mapping": "example_partner_order",
    "signature_header": "X-Partner-Signature",
    "signature_encoding": "hex",
    "signature_prefix": "sha256=",
    "dedupe_header": "X-Delivery-Id",
    "topic_header": "X-Event",
}


@pytest.fixture(autouse=True)
def repo_mappings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The repository's own mappings/, whatever another test left in the environment."""
    monkeypatch.delenv("HUB_MAPPINGS_DIR", raising=False)
    load_default.cache_clear()
    yield
    load_default.cache_clear()


class TestGenericJsonContract(ConnectorContract):
    subject = ContractSubject(
        connector=connector,
        connection=Connection(
            code="partner-x",
            connector="generic_json",
            settings=SETTINGS,
            secrets={"webhook_secret": SECRET},
        ),
        documents=[BODY, (FIXTURES / "example_partner_batch.json").read_bytes()],
        webhook=SignedSample(
            request=WebhookRequest(
                url="https://oms.example.com/webhooks/partner-x",
                headers={
                    "content-type": "application/json",
                    "x-partner-signature": "sha256=" + hmac_sha256_hex(SECRET, BODY),
                    "x-delivery-id": "dlv_20931_1",
                    "x-event": "order.created",
                },
                body=BODY,
            ),
            signature_header="X-Partner-Signature",
        ),
    )


SENT_AT = "1742000000"
TIMED = {
    **SETTINGS,
    "timestamp_header": "X-Sent-At",
    "signed_content": "{timestamp}.{body}",
    # the sample was signed once, long ago: the freshness check has tests of its own
    "timestamp_tolerance_seconds": 10**10,
}


class TestGenericJsonSignedTimestampContract(ConnectorContract):
    subject = ContractSubject(
        connector=connector,
        connection=Connection(
            code="partner-x",
            connector="generic_json",
            settings=TIMED,
            secrets={"webhook_secret": SECRET},
        ),
        documents=[BODY],
        webhook=SignedSample(
            request=WebhookRequest(
                url="https://oms.example.com/webhooks/partner-x",
                headers={
                    "content-type": "application/json",
                    "x-partner-signature": "sha256="
                    + hmac_sha256_hex(SECRET, f"{SENT_AT}.".encode() + BODY),
                    "x-sent-at": SENT_AT,
                    "x-delivery-id": "dlv_20931_2",
                    "x-event": "order.created",
                },
                body=BODY,
            ),
            signature_header="X-Partner-Signature",
        ),
    )
