"""Square's webhook notifications: the signature check and what the envelope says.

Square signs ``notification_url + raw body`` with the subscription's signature key:
``x-square-hmacsha256-signature = base64(HMAC-SHA256(key, url + body))``. The URL must be
the subscription's, byte for byte (scheme, host, path, no added slash), so it is a setting
rather than whatever a proxy in front of the hub reports.
"""

from __future__ import annotations

from typing import Any

import msgspec

from connectors.square.settings import parse_settings
from hub.sdk import (
    Connection,
    SignatureError,
    WebhookInfo,
    WebhookRequest,
    hmac_sha256_base64,
    signatures_match,
)

SIGNATURE_HEADER = "x-square-hmacsha256-signature"
#: notification types whose order is fetched and mapped; any other is acknowledged and ignored
TOPICS = frozenset({"order.created", "order.updated"})


class Data(msgspec.Struct, frozen=True, kw_only=True):
    type: str | None = None
    id: str | None = None
    object: dict[str, Any] = {}


class Envelope(msgspec.Struct, frozen=True, kw_only=True):
    """``{merchant_id, type, event_id, created_at, data{type, id, object{...}}}``."""

    merchant_id: str | None = None
    type: str | None = None
    event_id: str | None = None
    created_at: str | None = None
    data: Data = Data()

    @property
    def order_id(self) -> str | None:
        """The order the notification is about (``data.object.order_updated.order_id``)."""
        for value in self.data.object.values():
            if isinstance(value, dict) and isinstance(value.get("order_id"), str):
                return value["order_id"]
        return self.data.id


def envelope(body: bytes) -> Envelope | None:
    """The notification envelope, or None when the body is not one."""
    try:
        return msgspec.json.decode(body, type=Envelope)
    except msgspec.MsgspecError:
        return None


def verify(connection: Connection, request: WebhookRequest) -> None:
    """base64(HMAC-SHA256(signature_key, notification_url + raw body)) must match."""
    url = parse_settings(connection.settings).notification_url or request.url
    expected = hmac_sha256_base64(
        connection.secret("signature_key"), url.encode("utf-8") + request.body
    )
    if not signatures_match(expected, request.header(SIGNATURE_HEADER)):
        raise SignatureError(
            f"{SIGNATURE_HEADER} is missing or does not match the notification URL and body"
        )


def describe(request: WebhookRequest) -> WebhookInfo:
    """Dedupe on ``event_id``; the topic is the notification ``type``."""
    found = envelope(request.body)
    if found is None:
        # signed by Square, yet not an envelope: kept, and its mapping will say why it fails
        return WebhookInfo(dedupe_key=None)
    return WebhookInfo(
        dedupe_key=found.event_id,
        topic=found.type,
        ignore=found.type is not None and found.type not in TOPICS,
    )
