"""Reading what an older hub stored under today's stricter types.

Text is now refused with control characters in it (``hub.domain.bounds``); an order, an
address or a parcel kept before that may hold one (a newline in a name, a NUL in a note).
Such a document is read with them replaced, U+FFFD first and then spaces for line breaks if
a one-line field still holds one, rather than failing every read of it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

import msgspec

T = TypeVar("T")

_DECODERS: dict[Any, msgspec.json.Decoder[Any]] = {}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BREAKS = re.compile(r"[\t\n\r]+")
_SCRUBS: tuple[Callable[[str], str], ...] = (
    lambda s: _CONTROL.sub("\ufffd", s),
    lambda s: _BREAKS.sub(" ", s),
)


def decode_kept(doc: bytes | str, type_: type[T]) -> T:
    """``doc`` (JSON the hub stored) as a ``type_``, with stray control characters replaced
    when an older hub kept them."""
    decoder = _DECODERS.get(type_)
    if decoder is None:
        decoder = _DECODERS[type_] = msgspec.json.Decoder(type_)
    try:
        return decoder.decode(doc)  # type: ignore[no-any-return]
    except msgspec.ValidationError as exc:
        refused = exc
    raw = msgspec.json.decode(doc)
    for scrub in _SCRUBS:
        raw = _each_string(raw, scrub)
        try:
            return msgspec.convert(raw, type_)
        except msgspec.ValidationError:
            continue
    raise refused  # refused for another reason: say which


def _each_string(value: Any, change: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list):
        return [_each_string(v, change) for v in value]
    if isinstance(value, dict):
        return {k: _each_string(v, change) for k, v in value.items()}
    return value
