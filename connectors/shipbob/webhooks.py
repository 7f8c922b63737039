"""ShipBob's webhook signature (Standard Webhooks) and what a delivery's headers say.

``webhook-signature`` is a space-separated list of ``v1,<base64>``; each is
base64(HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{raw body}")) with key =
base64-decode(the secret without its ``whsec_`` prefix). A timestamp further than the
tolerance from now (either way) is refused, so a captured delivery cannot be replayed.

Hand-written rather than the ``standardwebhooks`` package: it is twenty lines over
``hub.sdk``'s constant-time compare, and keeps the connector on the hub's own helpers.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

from connectors.shipbob.events import TOPIC_STATUS
from hub.sdk import (
    Connection,
    SignatureError,
    WebhookInfo,
    WebhookRequest,
    hmac_sha256_base64,
    signatures_match,
)

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
TOPIC_HEADER = "x-webhook-topic"
LEGACY_TOPIC_HEADER = "shipbob-topic"
SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix, not a secret


def signing_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_...`` secret; SignatureError (naming no value) if it is none."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("the connection's webhook_secret is not a whsec_ secret") from None


def verify(
    connection: Connection, request: WebhookRequest, *, tolerance: int, now: Callable[[], float]
) -> None:
    """Raise SignatureError unless one ``v1`` signature matches and the timestamp is fresh."""
    message_id = (request.header(ID_HEADER) or "").strip()
    timestamp = (request.header(TIMESTAMP_HEADER) or "").strip()
    if not message_id or not timestamp.isdecimal():
        raise SignatureError(f"{ID_HEADER} or {TIMESTAMP_HEADER} is missing or malformed")
    if abs(now() - int(timestamp)) > tolerance:
        raise SignatureError(f"{TIMESTAMP_HEADER} is outside the {tolerance} s tolerance")
    secret = connection.secrets.get("webhook_secret")
    if not secret:
        raise SignatureError(
            f"shipbob connection {connection.code!r} lacks secret 'webhook_secret'"
        )
    key = signing_key(secret)
    signed = f"{message_id}.{timestamp}.".encode() + request.body
    expected = hmac_sha256_base64(key, signed)
    matched = False
    for candidate in (request.header(SIGNATURE_HEADER) or "").split():
        version, _, signature = candidate.partition(",")
        # compare every candidate, so timing does not tell which one matched
        matched |= version == "v1" and signatures_match(expected, signature)
    if not matched:
        raise SignatureError(f"{SIGNATURE_HEADER} is missing or does not match the body")


def describe(request: WebhookRequest) -> WebhookInfo:
    """Dedupe on ``webhook-id``; topic from ``x-webhook-topic`` (legacy: ``shipbob-topic``).

    Topics without shipment news (``return.*``, billing, ...) are acknowledged and ignored.
    """
    topic = request.header(TOPIC_HEADER) or request.header(LEGACY_TOPIC_HEADER) or None
    return WebhookInfo(
        dedupe_key=request.header(ID_HEADER) or None,
        topic=topic,
        ignore=topic is not None and topic.strip().lower() not in TOPIC_STATUS,
    )
