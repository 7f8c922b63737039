"""Square notifications: the signature over notification URL + raw body, and describe."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from connectors.square import connector
from hub.plugins import discover
from hub.sdk import Connection, Connector, ReceivesWebhooks, SignatureError, WebhookRequest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BODY = (FIXTURES / "order_updated_webhook.json").read_bytes()
SIGNED: dict[str, Any] = json.loads((FIXTURES / "order_updated_webhook.headers.json").read_bytes())
URL = SIGNED["notification_url"]


def connection(notification_url: str | None = URL, key: str = SIGNED["secret"]) -> Connection:
    settings = {} if notification_url is None else {"notification_url": notification_url}
    return Connection(
        code="square-pos",
        connector="square",
        settings=settings,
        secrets={"signature_key": key, "access_token": "EAAA-test-token"},
    )


def request(body: bytes = BODY, url: str = URL, **changes: str | None) -> WebhookRequest:
    """The fixture's delivery; ``changes`` replace (or, with None, drop) headers."""
    headers = {**SIGNED["headers"], **changes}
    return WebhookRequest(
        url=url, headers={k.lower(): v for k, v in headers.items() if v is not None}, body=body
    )


def test_is_a_registered_webhook_connector() -> None:
    assert discover()["square"] is connector
    assert isinstance(connector, Connector)
    assert isinstance(connector, ReceivesWebhooks)


def test_signature_over_url_and_raw_bytes_verifies() -> None:
    connector.verify(connection(), request())


def test_one_changed_byte_fails_verification() -> None:
    tampered = BODY.replace(b'"version": 4', b'"version": 5', 1)
    assert len(tampered) == len(BODY) and tampered != BODY
    with pytest.raises(SignatureError) as err:
        connector.verify(connection(), request(tampered))
    assert SIGNED["secret"] not in str(err.value)


@pytest.mark.parametrize(
    "url",
    [
        "https://oms.example.com/webhooks/square/",  # a trailing slash is another URL
        "http://oms.example.com/webhooks/square",
        "https://oms.example.com/webhooks/square-pos",
    ],
)
def test_another_notification_url_fails_verification(url: str) -> None:
    with pytest.raises(SignatureError):
        connector.verify(connection(url), request())


def test_the_setting_wins_over_the_url_the_hub_saw() -> None:
    """Behind a proxy the hub sees another URL; Square signed the subscription's."""
    connector.verify(connection(), request(url="http://10.0.0.7:8000/webhooks/square-pos"))


def test_without_the_setting_the_request_url_is_used() -> None:
    connector.verify(connection(None), request())
    with pytest.raises(SignatureError):
        connector.verify(connection(None), request(url=URL + "?x=1"))


def test_missing_signature_or_wrong_key_fails_verification() -> None:
    with pytest.raises(SignatureError):
        connector.verify(connection(), request(**{"x-square-hmacsha256-signature": None}))
    with pytest.raises(SignatureError):
        connector.verify(connection(key="another-key"), request())


def test_describe_dedupes_on_event_id_and_names_the_type() -> None:
    info = connector.describe(connection(), request())
    assert info.dedupe_key == "c1e4b2a8-5d3f-4e6a-9b7c-0f2d8e1a3c5b"
    assert info.topic == "order.updated"
    assert not info.ignore


def test_other_notification_types_are_ignored() -> None:
    other = json.loads(BODY) | {"type": "payment.updated", "event_id": "e-2"}
    info = connector.describe(connection(), request(json.dumps(other).encode()))
    assert (info.dedupe_key, info.topic, info.ignore) == ("e-2", "payment.updated", True)


def test_a_body_that_is_no_envelope_is_kept_without_a_key() -> None:
    info = connector.describe(connection(), request(b"<html>"))
    assert info.dedupe_key is None and not info.ignore
