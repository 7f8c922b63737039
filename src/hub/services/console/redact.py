"""A partner's raw payload as the console shows it: with the values of anything that looks
like a credential (tokens, secrets, passwords, keys, signatures, card numbers) replaced."""

from __future__ import annotations

import re
from typing import Any

import msgspec

HIDDEN = "[removed]"
_SECRET_NAME = re.compile(
    r"(secret|token|password|passwd|api[_-]?key|apikey|authori[sz]ation|signature|"
    r"credential|private[_-]?key|card[_-]?number|cvv|cvc|iban)",
    re.IGNORECASE,
)
_FORM_PAIR = re.compile(r"([^&=]+)=([^&]*)")


def _walk(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: HIDDEN if _SECRET_NAME.search(str(k)) and value[k] not in (None, "") else _walk(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_walk(v) for v in value]
    return value


def redacted(body: bytes) -> str:
    """JSON pretty-printed with credentials removed; form data likewise; else the text."""
    text = body.decode("utf-8", errors="replace")
    try:
        decoded = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return _FORM_PAIR.sub(
            lambda m: f"{m[1]}={HIDDEN}" if _SECRET_NAME.search(m[1]) else m[0], text
        )
    return msgspec.json.format(msgspec.json.encode(_walk(decoded)), indent=2).decode()
