"""The generic JSON webhook's signature check, and its optional check against replays.

The partner signs ``settings.signed_content`` with HMAC-SHA256 under ``webhook_secret``: by
default the raw body; a template such as ``"{timestamp}.{body}"`` when it signs its send
time too (``{timestamp}`` is the ``timestamp_header`` value exactly as sent).

With ``timestamp_header`` set, a delivery whose time (Unix seconds, or ISO 8601 with an
offset) is more than ``timestamp_tolerance_seconds`` from now, either way, is refused: a
captured delivery cannot be sent again later. Only a signed timestamp stops a careful
attacker (an unsigned header can be rewritten); without ``timestamp_header`` no time is
checked and a replay is not refused.
"""

from __future__ import annotations

from datetime import datetime

from connectors.generic_json.settings import GenericJsonSettings
from hub.sdk import (
    FatalError,
    SignatureError,
    WebhookRequest,
    hmac_sha256_base64,
    hmac_sha256_hex,
    signatures_match,
)

BODY = "{body}"
TIMESTAMP = "{timestamp}"


def content_template(settings: GenericJsonSettings) -> tuple[str, str]:
    """The text signed before and after the body; FatalError when the setting is unusable."""
    before, found, after = settings.signed_content.partition(BODY)
    if not found or BODY in after:
        raise FatalError("generic_json connection settings: signed_content must hold {body} once")
    if TIMESTAMP in before + after and settings.timestamp_header is None:
        raise FatalError(
            "generic_json connection settings: signed_content has {timestamp} "
            "but timestamp_header is not set"
        )
    return before, after


def sent_at(value: str) -> float | None:
    """Unix seconds, or an ISO 8601 time with an offset, as epoch seconds; None otherwise."""
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.timestamp() if parsed.tzinfo is not None else None


def fresh_timestamp(header: str, tolerance: int, request: WebhookRequest, now: float) -> str:
    """The delivery's ``header`` as sent, once its time is within ``tolerance`` s of ``now``."""
    given = (request.header(header) or "").strip()
    if not given:
        raise SignatureError(f"no {header} header")
    at = sent_at(given)
    if at is None:
        raise SignatureError(f"the {header} header is no Unix or ISO 8601 time with offset")
    if abs(now - at) > tolerance:
        raise SignatureError(f"the {header} header is outside the {tolerance} s tolerance")
    return given


def given_signature(settings: GenericJsonSettings, request: WebhookRequest) -> str:
    """The digest in the signature header, without its prefix (hex in lower case)."""
    given = (request.header(settings.signature_header) or "").strip()
    if not given:
        raise SignatureError(f"no {settings.signature_header} header")
    prefix = settings.signature_prefix or ""
    if not given.startswith(prefix):
        raise SignatureError(f"the {settings.signature_header} header lacks {prefix!r}")
    given = given[len(prefix) :]
    return given.lower() if settings.signature_encoding == "hex" else given


def verify(
    settings: GenericJsonSettings, secret: str, request: WebhookRequest, *, now: float
) -> None:
    """Raise SignatureError unless the signature matches and (if checked) the time is fresh."""
    before, after = content_template(settings)
    given = given_signature(settings, request)
    if settings.timestamp_header is not None:
        tolerance = settings.timestamp_tolerance_seconds
        timestamp = fresh_timestamp(settings.timestamp_header, tolerance, request, now)
        before, after = before.replace(TIMESTAMP, timestamp), after.replace(TIMESTAMP, timestamp)
    content = before.encode() + request.body + after.encode()
    if settings.signature_encoding == "hex":
        expected = hmac_sha256_hex(secret, content)
    else:
        expected = hmac_sha256_base64(secret, content)
    if not signatures_match(expected, given):
        raise SignatureError("the signature does not match the body")
