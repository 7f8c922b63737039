"""HMAC helpers for webhook signatures, always over the raw bytes and compared in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac


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
