"""Webhook signatures, always over the raw bytes and compared in constant time.

- ``hmac_sha256_base64`` / ``hmac_sha256_hex`` / ``signatures_match``: the building blocks
  for a partner's own HMAC header (Shopify, WooCommerce, Square, ...).
- ``verify_standard_webhook`` / ``sign_standard_webhook`` / ``standard_webhook_headers``:
  Standard Webhooks (https://www.standardwebhooks.com/, spec 1.0.0, symmetric ``v1``).
  Headers ``webhook-id``, ``webhook-timestamp`` (integer Unix seconds) and
  ``webhook-signature``, a space-separated list of ``v1,<base64>``; each is
  base64(HMAC-SHA256(key, ``"{webhook-id}.{webhook-timestamp}.{raw body}"``)) with key =
  base64-decode(the secret without its ``whsec_`` prefix). A delivery passes when its
  timestamp is within the tolerance of now (either way: a captured delivery cannot be
  replayed later) and any ``v1`` entry matches any of the secrets (several while a secret
  is rotated; the sender then signs with each).

Written here rather than with the ``standardwebhooks`` package: that one takes one secret,
decodes the body as text (a non-UTF-8 body raises UnicodeDecodeError, not a verification
error), reads the wall clock, and raises other errors on a malformed header; this is sixty
lines over the standard library, tested on the reference library's published vector.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Sequence

from hub.sdk.connector import WebhookRequest
from hub.sdk.errors import SignatureError

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix, not a secret
#: how far ``webhook-timestamp`` may be from now, either way (the spec's 5 minutes)
DEFAULT_TOLERANCE = 300


def hmac_sha256_base64(secret: str | bytes, message: bytes) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


def hmac_sha256_hex(secret: str | bytes, message: bytes) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def signatures_match(expected: str, given: str | None) -> bool:
    """Constant-time comparison; a missing signature never matches."""
    if not given:
        return False
    return hmac.compare_digest(expected.encode(), given.strip().encode())


# --------------------------------------------------------------------------- Standard Webhooks


def standard_webhook_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_<base64>`` secret (prefix and padding optional).

    A secret that is not base64 is a SignatureError that names no part of it.
    """
    encoded = secret.strip().removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("a webhook secret is not a whsec_ (base64) secret") from None
    if not key:
        raise SignatureError("a webhook secret is empty")
    return key


def _signed_content(message_id: str, timestamp: int | str, body: bytes) -> bytes:
    return f"{message_id}.{timestamp}.".encode() + body


def sign_standard_webhook(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """One ``v1,<base64>`` signature of ``body`` sent as ``message_id`` at ``timestamp``."""
    key = standard_webhook_key(secret)
    return "v1," + hmac_sha256_base64(key, _signed_content(message_id, timestamp, body))


def standard_webhook_headers(
    secrets: Sequence[str], message_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The three headers of a delivery, signed with each secret (the new one and, while a
    rotation lasts, the old)."""
    if not secrets:
        raise ValueError("at least one secret is needed to sign")
    signatures = [sign_standard_webhook(s, message_id, timestamp, body) for s in secrets]
    return {
        ID_HEADER: message_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: " ".join(signatures),
    }


def verify_standard_webhook(
    request: WebhookRequest,
    secrets: Sequence[str],
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> None:
    """Raise SignatureError unless a ``v1`` signature of ``request`` matches one of
    ``secrets`` and its timestamp is within ``tolerance`` seconds of ``now`` (default: the
    time now). Every candidate is compared with every key, so timing tells nothing."""
    message_id = (request.header(ID_HEADER) or "").strip()
    timestamp = (request.header(TIMESTAMP_HEADER) or "").strip()
    if not message_id or not (timestamp.isascii() and timestamp.isdigit()):
        raise SignatureError(f"{ID_HEADER} or {TIMESTAMP_HEADER} is missing or malformed")
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > tolerance:
        raise SignatureError(f"{TIMESTAMP_HEADER} is outside the {tolerance:g} s tolerance")
    keys = [standard_webhook_key(secret) for secret in secrets]
    if not keys:
        raise SignatureError("no webhook secret to verify with")
    content = _signed_content(message_id, timestamp, request.body)
    expected = [hmac_sha256_base64(key, content) for key in keys]
    matched = False
    for candidate in (request.header(SIGNATURE_HEADER) or "").split():
        version, _, signature = candidate.partition(",")
        for digest in expected:
            matched |= signatures_match(digest, signature) and version == "v1"
    if not matched:
        raise SignatureError(f"{SIGNATURE_HEADER} is missing or does not match the body")
