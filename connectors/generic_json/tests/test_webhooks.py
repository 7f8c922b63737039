"""Webhooks: the HMAC over the raw bytes, the dedupe key, and the orders a body stands for."""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path

import httpx
import pytest

from connectors.generic_json import GenericJsonConnector, connector
from hub.sdk import (
    Capability,
    Connection,
    Connector,
    FatalError,
    PartnerHttp,
    ReceivesWebhooks,
    SignatureError,
    WebhookRequest,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BODY = (FIXTURES / "example_partner_order.json").read_bytes()
SECRET = "test-partner-secret"


def connection(**settings: str | int) -> Connection:
    return Connection(
        code="partner-x",
        connector="generic_json",
        settings={"mapping": "example_partner_order", **settings},
        secrets={"webhook_secret": SECRET},
    )


def digest(body: bytes, secret: str = SECRET) -> bytes:
    return hmac.new(secret.encode(), body, hashlib.sha256).digest()


def request(headers: dict[str, str], body: bytes = BODY) -> WebhookRequest:
    return WebhookRequest(url="https://hub.example/webhooks/partner-x", headers=headers, body=body)


def test_it_is_a_webhook_connector() -> None:
    assert isinstance(connector, Connector)
    assert isinstance(connector, ReceivesWebhooks)
    assert connector.capabilities == {Capability.RECEIVE_WEBHOOK}


def test_a_base64_signature_over_the_raw_body_is_accepted() -> None:
    signature = base64.b64encode(digest(BODY)).decode()
    connector.verify(connection(), request({"x-signature": signature}))


def test_one_changed_byte_is_rejected() -> None:
    signature = base64.b64encode(digest(BODY)).decode()
    tampered = BODY.replace(b'"grand_total": "70.15"', b'"grand_total": "70.16"')
    assert tampered != BODY
    with pytest.raises(SignatureError, match="does not match"):
        connector.verify(connection(), request({"x-signature": signature}, tampered))


def test_a_signature_made_with_another_secret_is_rejected() -> None:
    signature = base64.b64encode(digest(BODY, "someone-else")).decode()
    with pytest.raises(SignatureError):
        connector.verify(connection(), request({"x-signature": signature}))


def test_a_missing_signature_header_is_rejected() -> None:
    with pytest.raises(SignatureError, match="no x-signature header"):
        connector.verify(connection(), request({}))
    with pytest.raises(SignatureError):
        connector.verify(connection(), request({"x-signature": " "}))


def test_hex_signatures_with_a_prefix_in_a_custom_header() -> None:
    settings = {
        "signature_header": "X-Partner-Signature",
        "signature_encoding": "hex",
        "signature_prefix": "sha256=",
    }
    hexdigest = digest(BODY).hex()
    connector.verify(
        connection(**settings), request({"x-partner-signature": f"sha256={hexdigest}"})
    )
    connector.verify(  # hex case does not matter
        connection(**settings), request({"x-partner-signature": f"sha256={hexdigest.upper()}"})
    )
    with pytest.raises(SignatureError, match="lacks 'sha256='"):
        connector.verify(connection(**settings), request({"x-partner-signature": hexdigest}))
    with pytest.raises(SignatureError, match="does not match"):  # base64 where hex is due
        signature = "sha256=" + base64.b64encode(digest(BODY)).decode()
        connector.verify(connection(**settings), request({"x-partner-signature": signature}))


def test_a_connection_without_its_secret_is_a_configuration_error() -> None:
    bare = Connection(code="partner-x", connector="generic_json", settings={"mapping": "x"})
    with pytest.raises(FatalError, match="no secret 'webhook_secret'") as err:
        connector.verify(bare, request({"x-signature": "abc"}))
    assert not isinstance(err.value, SignatureError)


def test_a_misspelt_setting_is_a_configuration_error() -> None:
    with pytest.raises(FatalError, match="signature_headr"):
        connector.verify(connection(signature_headr="x-sig"), request({}))


def test_the_dedupe_key_is_the_delivery_id_header_when_configured() -> None:
    info = connector.describe(
        connection(dedupe_header="X-Delivery-Id", topic_header="X-Event"),
        request({"x-delivery-id": "dlv_123", "x-event": "order.created"}),
    )
    assert (info.dedupe_key, info.topic, info.ignore) == ("dlv_123", "order.created", False)


def test_without_a_delivery_id_the_dedupe_key_is_a_digest_of_the_body() -> None:
    info = connector.describe(connection(dedupe_header="x-delivery-id"), request({}))
    assert info.dedupe_key == "sha256:" + hashlib.sha256(BODY).hexdigest()
    assert info.topic is None
    same = connector.describe(connection(), request({"x-delivery-id": "ignored"}))
    assert same.dedupe_key == info.dedupe_key  # no dedupe_header: the header is not read
    other = connector.describe(connection(), request({}, BODY + b"\n"))
    assert other.dedupe_key != info.dedupe_key


async def test_orders_from_message_maps_the_body_for_the_connection() -> None:
    async with httpx.AsyncClient() as client:
        [reported] = await connector.orders_from_message(
            connection(), BODY, "order.created", PartnerHttp(client)
        )
    assert reported.order.channel == "partner-x"
    assert reported.order.external_id == "EXP-20931"
    assert reported.order.totals.total == 7015


# --------------------------------------------------------------------------- replays

NOW = 1_742_000_000  # 2025-03-15T00:53:20Z
TIMED = {"timestamp_header": "X-Sent-At"}


def at(now: float) -> GenericJsonConnector:
    """A connector whose clock reads ``now`` (epoch seconds)."""
    return GenericJsonConnector(clock=lambda: now)


def signed(content: bytes) -> str:
    return base64.b64encode(digest(content)).decode()


def timed(sent: int | str, signature: str | None = None) -> WebhookRequest:
    return request({"x-signature": signature or signed(BODY), "x-sent-at": str(sent)})


def test_without_a_timestamp_header_setting_no_time_is_checked() -> None:
    """Backwards compatible: an old (or absent) time header is not looked at."""
    at(NOW).verify(connection(), timed(NOW - 86_400))
    at(NOW).verify(connection(), request({"x-signature": signed(BODY)}))


def test_a_fresh_timestamp_is_accepted_either_side_of_now() -> None:
    for sent in (NOW, NOW - 300, NOW + 300):
        at(NOW).verify(connection(**TIMED), timed(sent))
    at(NOW).verify(connection(**TIMED), timed("2025-03-15T01:53:20+01:00"))  # ISO 8601


@pytest.mark.parametrize("sent", [NOW - 301, NOW + 301, NOW - 86_400, "2025-03-14T00:53:20Z"])
def test_a_stale_or_future_timestamp_is_refused_though_signed(sent: int | str) -> None:
    with pytest.raises(SignatureError, match="outside the 300 s tolerance"):
        at(NOW).verify(connection(**TIMED), timed(sent))


def test_the_tolerance_is_a_setting() -> None:
    settings = {**TIMED, "timestamp_tolerance_seconds": 3600}
    at(NOW).verify(connection(**settings), timed(NOW - 3600))
    with pytest.raises(SignatureError, match="3600 s"):
        at(NOW).verify(connection(**settings), timed(NOW - 3601))


@pytest.mark.parametrize("sent", ["", "soon", "1742000000.5", "2025-03-15T00:53:20"])
def test_a_missing_or_unreadable_timestamp_is_refused(sent: str) -> None:
    with pytest.raises(SignatureError, match="X-Sent-At"):
        at(NOW).verify(connection(**TIMED), timed(sent))


def test_a_signed_timestamp_is_part_of_the_signed_content() -> None:
    settings = {**TIMED, "signed_content": "{timestamp}.{body}"}
    good = signed(f"{NOW}.".encode() + BODY)
    at(NOW).verify(connection(**settings), timed(NOW, good))
    with pytest.raises(SignatureError, match="does not match"):  # the time rewritten
        at(NOW + 1).verify(connection(**settings), timed(NOW + 1, good))
    with pytest.raises(SignatureError, match="does not match"):  # the body alone signed
        at(NOW).verify(connection(**settings), timed(NOW, signed(BODY)))


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        ({"signed_content": "{timestamp}.{body}"}, "timestamp_header is not set"),
        ({**TIMED, "signed_content": "{timestamp}"}, "signed_content must hold"),
        ({"signed_content": "{body}{body}"}, "signed_content must hold"),
    ],
)
def test_an_unusable_signed_content_is_a_configuration_error(
    settings: dict[str, str], reason: str
) -> None:
    with pytest.raises(FatalError, match=reason) as err:
        at(NOW).verify(connection(**settings), timed(NOW))
    assert not isinstance(err.value, SignatureError)
