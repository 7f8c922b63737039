"""EasyPost webhook signatures (X-Hmac-Signature over the raw body) and describe."""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

import pytest

from connectors.easypost import connector
from connectors.easypost.tests.conftest import API_KEY, SIGNED, fixture, make_connection
from hub.sdk import Connection, FatalError, SignatureError, WebhookInfo, WebhookRequest
from hub.sdk.testing import flip_byte

BODY = fixture("tracker_updated.json")
HEADER = SIGNED["headers"]["X-Hmac-Signature"]


def request(body: bytes = BODY, signature: str | None = HEADER) -> WebhookRequest:
    headers = {"content-type": "application/json"}
    if signature is not None:
        headers["x-hmac-signature"] = signature
    return WebhookRequest(
        url="https://oms.example.com/webhooks/easypost", headers=headers, body=body
    )


def with_secret(secret: str) -> Connection:
    return Connection(
        code="easypost-main",
        connector="easypost",
        secrets={"api_key": API_KEY, "webhook_secret": secret},
    )


def test_the_shared_payload_verifies_with_its_real_header() -> None:
    connector.verify(make_connection(), request())


@pytest.mark.parametrize("index", [0, 1, len(BODY) // 2, len(BODY) - 1])
def test_one_changed_byte_fails(index: int) -> None:
    with pytest.raises(SignatureError):
        connector.verify(make_connection(), request(flip_byte(BODY, index)))


def test_a_wrong_secret_fails() -> None:
    with pytest.raises(SignatureError) as raised:
        connector.verify(with_secret("another_webhook_secret"), request())
    assert "another_webhook_secret" not in str(raised.value)
    assert HEADER not in str(raised.value)


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        HEADER.removeprefix("hmac-sha256-hex="),  # the bare hex: the prefix is part of it
        HEADER.replace("hmac-sha256-hex=", "sha256="),
        HEADER[:-1],
    ],
)
def test_a_missing_or_malformed_header_fails(signature: str | None) -> None:
    with pytest.raises(SignatureError):
        connector.verify(make_connection(), request(signature=signature))


def test_the_secret_is_nfkd_normalised_before_signing() -> None:
    """EasyPost keys the HMAC with NFKD(secret): the ligature 'ﬁ' signs as 'fi'."""
    secret = "whsec_ﬁle_Ⅻ"
    key = unicodedata.normalize("NFKD", secret).encode()
    assert key != secret.encode()
    header = "hmac-sha256-hex=" + hmac.new(key, BODY, hashlib.sha256).hexdigest()
    connector.verify(with_secret(secret), request(signature=header))
    raw = "hmac-sha256-hex=" + hmac.new(secret.encode(), BODY, hashlib.sha256).hexdigest()
    with pytest.raises(SignatureError):
        connector.verify(with_secret(secret), request(signature=raw))


def test_a_connection_without_the_secret_is_fatal() -> None:
    connection = Connection(code="easypost-main", connector="easypost", secrets={})
    with pytest.raises(FatalError, match="webhook_secret"):
        connector.verify(connection, request())


def test_describe_dedupes_on_the_event_id_with_the_description_as_topic() -> None:
    assert connector.describe(make_connection(), request()) == WebhookInfo(
        dedupe_key="evt_8a7f3c2e01b411f0a1b2c3d4e5f60718", topic="tracker.updated"
    )


@pytest.mark.parametrize("body", [b"", b"not json", b"[1]", b"null"])
def test_describe_of_an_unreadable_body_keeps_it_without_a_key(body: bytes) -> None:
    assert connector.describe(make_connection(), request(body)) == WebhookInfo(dedupe_key=None)
