"""The warehouse's webhook signature (HMAC-SHA256 of the raw body, hex or base64, in one
header, optionally after a prefix such as ``sha256=``) and what a delivery's headers say."""

from __future__ import annotations

import hashlib

from connectors.rest_warehouse.settings import WHAT, RestWarehouseSettings
from hub.sdk import (
    Connection,
    SignatureError,
    WebhookInfo,
    WebhookRequest,
    hmac_sha256_base64,
    hmac_sha256_hex,
    signatures_match,
)

SECRET_NAME = "webhook_secret"  # noqa: S105 - the name of the secret, not a secret


def verify(
    connection: Connection, settings: RestWarehouseSettings, request: WebhookRequest
) -> None:
    """Raise SignatureError unless the signature header matches the raw body."""
    secret = connection.secrets.get(SECRET_NAME)
    if not secret:
        raise SignatureError(f"{WHAT} connection {connection.code!r} lacks secret {SECRET_NAME!r}")
    header = settings.signature_header
    given = (request.header(header) or "").strip()
    if not given:
        raise SignatureError(f"no {header} header")
    prefix = settings.signature_prefix
    if prefix and not given.lower().startswith(prefix.lower()):
        raise SignatureError(f"the {header} header lacks the {prefix!r} prefix")
    given = given[len(prefix) :]
    if settings.signature_scheme == "hex":
        expected = hmac_sha256_hex(secret, request.body)
        given = given.lower()
    else:
        expected = hmac_sha256_base64(secret, request.body)
    if not signatures_match(expected, given):
        raise SignatureError(f"the {header} header does not match the body")


def describe(settings: RestWarehouseSettings, request: WebhookRequest) -> WebhookInfo:
    """Dedupe on the partner's delivery id header when set and sent, else a digest of the
    body (the same confirmation twice is kept once)."""
    dedupe = request.header(settings.event_id_header) if settings.event_id_header else None
    if not dedupe:
        dedupe = "sha256:" + hashlib.sha256(request.body).hexdigest()
    topic = request.header(settings.topic_header) if settings.topic_header else None
    return WebhookInfo(dedupe_key=dedupe, topic=topic or None)
