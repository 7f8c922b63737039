"""EasyPost webhook deliveries: the signature check and what the event envelope says.

EasyPost signs the raw body with the webhook's secret, normalised to Unicode NFKD:
``X-Hmac-Signature: hmac-sha256-hex=<hex(HMAC-SHA256(NFKD(webhook_secret), body))>``
(easypost-python ``util.validate_webhook``).
"""

from __future__ import annotations

import unicodedata

from connectors.easypost.settings import webhook_secret
from connectors.easypost.tracking import decode_event
from hub.sdk import (
    Connection,
    MappingError,
    SignatureError,
    WebhookInfo,
    WebhookRequest,
    hmac_sha256_hex,
    signatures_match,
)

SIGNATURE_HEADER = "x-hmac-signature"
SIGNATURE_PREFIX = "hmac-sha256-hex="


def expected_signature(secret: str, body: bytes) -> str:
    key = unicodedata.normalize("NFKD", secret).encode("utf-8")
    return SIGNATURE_PREFIX + hmac_sha256_hex(key, body)


def verify(connection: Connection, request: WebhookRequest) -> None:
    """The header must equal ``hmac-sha256-hex=`` + the body's HMAC (constant time)."""
    expected = expected_signature(webhook_secret(connection), request.body)
    if not signatures_match(expected, request.header(SIGNATURE_HEADER)):
        raise SignatureError(f"{SIGNATURE_HEADER} is missing or does not match the body")


def describe(request: WebhookRequest) -> WebhookInfo:
    """Dedupe on the event ``id``; the topic is its ``description`` (``tracker.updated``)."""
    try:
        event = decode_event(request.body)
    except MappingError:
        # signed by EasyPost, yet not an event: kept, and mapping it will say why it fails
        return WebhookInfo(dedupe_key=None)
    return WebhookInfo(dedupe_key=event.id, topic=event.description)
