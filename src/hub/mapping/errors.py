"""Mapping errors: every one names the mapping (its file or its name), the key, and the reason."""

from __future__ import annotations

import re

import msgspec

from hub.domain.bounds import explain


class MappingError(ValueError):
    """A mapping that cannot load, or a document that a mapping cannot turn into an order.

    ``mapping`` is the file when loading and the mapping's name when mapping a document;
    ``field`` is the key in the file (``order.payment.status``) or the canonical field
    (``lines[1].quantity``); ``reason`` says what is wrong, on one line.
    """

    def __init__(self, mapping: str, field: str, reason: str) -> None:
        super().__init__(f"{mapping}: {field}: {reason}")
        self.mapping = mapping
        self.field = field
        self.reason = reason


class FieldFailure(Exception):
    """Raised inside the engine; ``Mapping`` adds its name and raises a MappingError."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


_AT = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_NAMED = re.compile(r"^Object (?P<what>contains unknown|missing required) field `(?P<name>[^`]*)`$")


def join(*parts: str) -> str:
    """Join key parts with dots, keeping list indexes (``lines[0]``) attached."""
    out = ""
    for part in parts:
        if not part:
            continue
        out = part if not out or part.startswith("[") else f"{out}.{part}"
    return out


def locate(
    exc: msgspec.ValidationError, prefix: str = "", *, unknown: str, missing: str
) -> tuple[str, str]:
    """Turn msgspec's "Expected ... - at `$.a.b`" into (dotted key, reason)."""
    match = _AT.match(str(exc))
    assert match is not None  # the pattern matches every string
    message, path = match["message"], (match["path"] or "").lstrip(".")
    named = _NAMED.match(message)
    if named:
        field = join(prefix, path, named["name"])
        return field, unknown if named["what"] == "contains unknown" else missing
    message = explain(message)
    return join(prefix, path), message[:1].lower() + message[1:]


def show(value: object, limit: int = 40) -> str:
    """A short repr of a partner value for an error message (never a whole document)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
