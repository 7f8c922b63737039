"""Webhook signatures (HMAC-SHA256 of the raw body, hex or base64) and describe."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from connectors.rest_warehouse import connector
from connectors.rest_warehouse.tests.support import (
    API_KEY,
    WEBHOOK_BODY,
    WEBHOOK_SECRET,
    connection,
    signed_request,
)
from hub.sdk import FatalError, SignatureError, WebhookRequest
from hub.sdk.testing import flip_byte


def digest(secret: str, body: bytes) -> bytes:
    """Independent of the connector: the HMAC the warehouse computes."""
    return hmac.new(secret.encode(), body, hashlib.sha256).digest()


def test_a_hex_signature_of_the_raw_body_verifies() -> None:
    request = signed_request()
    assert request.headers["x-signature"] == digest(WEBHOOK_SECRET, WEBHOOK_BODY).hex()
    connector.verify(connection(), request)
    upper = signed_request(**{"X-Signature": request.headers["x-signature"].upper()})
    connector.verify(connection(), upper)


def test_one_changed_body_byte_is_refused() -> None:
    request = signed_request()
    changed = WebhookRequest(request.url, request.headers, flip_byte(request.body, 40))
    with pytest.raises(SignatureError):
        connector.verify(connection(), changed)


def test_a_wrong_secret_is_refused() -> None:
    other = connection(secrets={"api_key": API_KEY, "webhook_secret": "another-secret"})
    with pytest.raises(SignatureError):
        connector.verify(other, signed_request())


@pytest.mark.parametrize("value", [None, "", "   "])
def test_a_missing_signature_is_refused(value: str | None) -> None:
    request = signed_request()
    headers = {k: v for k, v in request.headers.items() if k != "x-signature"}
    if value is not None:
        headers["x-signature"] = value
    with pytest.raises(SignatureError, match="X-Signature"):
        connector.verify(connection(), WebhookRequest(request.url, headers, request.body))


def test_a_connection_without_webhook_secret_is_refused_naming_it() -> None:
    with pytest.raises(SignatureError, match="webhook_secret"):
        connector.verify(connection(secrets={"api_key": API_KEY}), signed_request())


def test_base64_scheme_header_and_prefix_are_settings() -> None:
    signature = "sha256=" + base64.b64encode(digest(WEBHOOK_SECRET, WEBHOOK_BODY)).decode()
    conn = connection(
        signature_scheme="base64",
        signature_header="X-Hub-Signature-256",
        signature_prefix="sha256=",
    )
    request = signed_request(**{"X-Hub-Signature-256": signature})
    connector.verify(conn, request)
    with pytest.raises(SignatureError, match="prefix"):
        connector.verify(conn, signed_request(**{"X-Hub-Signature-256": signature[7:]}))
    # the hex digest is no base64 signature
    hexed = "sha256=" + digest(WEBHOOK_SECRET, WEBHOOK_BODY).hex()
    with pytest.raises(SignatureError):
        connector.verify(conn, signed_request(**{"X-Hub-Signature-256": hexed}))


def test_a_wrong_scheme_setting_is_fatal_naming_it() -> None:
    with pytest.raises(FatalError, match="signature_scheme"):
        connector.verify(connection(signature_scheme="md5"), signed_request())


def test_describe_dedupes_on_the_event_id_header_when_set() -> None:
    conn = connection(event_id_header="X-Event-Id", topic_header="X-Event")
    info = connector.describe(
        conn, signed_request(**{"X-Event-Id": "evt_7Hq2", "X-Event": "shipped"})
    )
    assert (info.dedupe_key, info.topic, info.ignore) == ("evt_7Hq2", "shipped", False)


def test_describe_falls_back_to_a_digest_of_the_body() -> None:
    info = connector.describe(connection(), signed_request())
    assert info.dedupe_key == "sha256:" + hashlib.sha256(WEBHOOK_BODY).hexdigest()
    assert info.topic is None
    other = connector.describe(connection(), signed_request(body=WEBHOOK_BODY + b" "))
    assert other.dedupe_key != info.dedupe_key
