"""ShipBob webhook verification (Standard Webhooks) on the real signed delivery, and describe."""

from __future__ import annotations

import base64
import hashlib
import hmac

import msgspec
import pytest

from connectors.shipbob import ShipBobConnector
from connectors.shipbob.tests.support import SIGNED_AT, connection, shipped_request
from hub.sdk import Connection, FatalError, SignatureError, WebhookRequest


def at(seconds: float) -> ShipBobConnector:
    """A connector whose clock reads ``seconds`` (epoch)."""
    return ShipBobConnector(clock=lambda: seconds)


def changed(
    request: WebhookRequest, *, body: bytes | None = None, **headers: str
) -> WebhookRequest:
    return WebhookRequest(
        url=request.url,
        headers={**request.headers, **headers},
        body=request.body if body is None else body,
    )


def test_the_real_delivery_verifies_within_the_tolerance() -> None:
    at(SIGNED_AT + 299).verify(connection(), shipped_request())
    at(SIGNED_AT - 299).verify(connection(), shipped_request())


def test_a_huge_tolerance_setting_accepts_the_2025_delivery_today() -> None:
    ShipBobConnector().verify(connection(webhook_tolerance_seconds=10**10), shipped_request())


def test_one_changed_body_byte_is_refused() -> None:
    request = shipped_request()
    i = len(request.body) // 2
    flipped = request.body[:i] + bytes([request.body[i] ^ 0x01]) + request.body[i + 1 :]
    with pytest.raises(SignatureError):
        at(SIGNED_AT).verify(connection(), changed(request, body=flipped))


def test_a_changed_id_or_timestamp_is_refused() -> None:
    request = shipped_request()
    with pytest.raises(SignatureError):
        at(SIGNED_AT).verify(connection(), changed(request, **{"webhook-id": "msg_other"}))
    with pytest.raises(SignatureError):
        at(SIGNED_AT).verify(
            connection(), changed(request, **{"webhook-timestamp": str(SIGNED_AT + 1)})
        )


def test_a_wrong_secret_is_refused() -> None:
    other_key = base64.b64encode(b"another-32-byte-signing-key-0000").decode()
    conn = connection()
    wrong = Connection(
        code=conn.code,
        connector=conn.connector,
        settings=conn.settings,
        secrets={**conn.secrets, "webhook_secret": f"whsec_{other_key}"},
    )
    with pytest.raises(SignatureError):
        at(SIGNED_AT).verify(wrong, shipped_request())


def test_a_secret_that_is_not_base64_is_a_signature_error_naming_no_value() -> None:
    conn = connection()
    bad = Connection(
        code=conn.code,
        connector=conn.connector,
        secrets={**conn.secrets, "webhook_secret": "whsec_not base64!"},
    )
    with pytest.raises(SignatureError) as raised:
        at(SIGNED_AT).verify(bad, shipped_request())
    assert "not base64!" not in str(raised.value)


@pytest.mark.parametrize("offset", [301, -301, 86_400])
def test_a_stale_or_future_timestamp_is_refused_even_when_signed(offset: int) -> None:
    with pytest.raises(SignatureError, match="tolerance"):
        at(SIGNED_AT + offset).verify(connection(), shipped_request())


def test_the_tolerance_is_a_setting() -> None:
    at(SIGNED_AT + 3600).verify(connection(webhook_tolerance_seconds=3600), shipped_request())
    with pytest.raises(SignatureError):
        at(SIGNED_AT + 3601).verify(connection(webhook_tolerance_seconds=3600), shipped_request())


def test_any_v1_signature_of_the_list_may_match() -> None:
    request = shipped_request()
    good = request.headers["webhook-signature"]
    rotated = f"v1,{base64.b64encode(b'x' * 32).decode()} v2,abc {good}"
    at(SIGNED_AT).verify(connection(), changed(request, **{"webhook-signature": rotated}))
    # the right digest under another version tag is no v1 signature
    v2 = good.replace("v1,", "v2,")
    with pytest.raises(SignatureError):
        at(SIGNED_AT).verify(connection(), changed(request, **{"webhook-signature": v2}))


def test_the_signature_is_computed_as_standard_webhooks_says() -> None:
    """Independent of the connector: the shared headers are what the scheme gives."""
    request = shipped_request()
    key = base64.b64decode(connection().secrets["webhook_secret"].removeprefix("whsec_"))
    signed = f"{request.headers['webhook-id']}.{request.headers['webhook-timestamp']}."
    digest = hmac.new(key, signed.encode() + request.body, hashlib.sha256).digest()
    assert request.headers["webhook-signature"] == "v1," + base64.b64encode(digest).decode()


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_a_missing_header_is_refused(missing: str) -> None:
    request = shipped_request()
    headers = {k: v for k, v in request.headers.items() if k != missing}
    with pytest.raises(SignatureError):
        at(SIGNED_AT).verify(connection(), WebhookRequest(request.url, headers, request.body))


def test_a_bad_tolerance_setting_is_a_fatal_error_naming_it() -> None:
    with pytest.raises(FatalError, match="webhook_tolerance_seconds"):
        at(SIGNED_AT).verify(connection(webhook_tolerance_seconds=-1), shipped_request())


def test_describe_dedupes_on_webhook_id_with_the_topic_header() -> None:
    info = ShipBobConnector().describe(connection(), shipped_request())
    assert (info.dedupe_key, info.topic, info.ignore) == (
        "msg_2vG7kqP3xW9yZ1aB4cD6eF8hJ0",
        "order.shipped",
        False,
    )


def test_describe_reads_the_legacy_topic_header_and_ignores_other_topics() -> None:
    request = shipped_request()
    headers = {k: v for k, v in request.headers.items() if k != "x-webhook-topic"}
    legacy = WebhookRequest(request.url, {**headers, "shipbob-topic": "order_shipped"}, b"{}")
    assert ShipBobConnector().describe(connection(), legacy).topic == "order_shipped"
    returns = changed(request, **{"x-webhook-topic": "return.completed"})
    assert ShipBobConnector().describe(connection(), returns).ignore is True
    copy = msgspec.json.decode(msgspec.json.encode(request), type=WebhookRequest)
    assert ShipBobConnector().describe(connection(), copy) == ShipBobConnector().describe(
        connection(), request
    )


def test_a_missing_webhook_secret_is_refused_naming_it() -> None:
    conn = connection()
    bare = Connection(code=conn.code, connector=conn.connector, secrets={"access_token": "t"})
    with pytest.raises(SignatureError, match="webhook_secret"):
        at(SIGNED_AT).verify(bare, shipped_request())
