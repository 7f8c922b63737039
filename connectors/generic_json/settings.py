"""The generic JSON connector's connection settings, validated once per call."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

import msgspec

from hub.sdk import FatalError


class GenericJsonSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    mapping: str  # the name of the mapping in mappings/ that reads this partner's JSON
    signature_header: str = "x-signature"
    signature_encoding: Literal["base64", "hex"] = "base64"
    signature_prefix: str | None = None  # e.g. "sha256=" before the digest
    dedupe_header: str | None = None  # header with the partner's delivery id
    topic_header: str | None = None  # header with the event name
    # against replays: the header with the send time (Unix seconds or ISO 8601 with offset);
    # without it no time is checked and a replayed delivery is not refused
    timestamp_header: str | None = None
    timestamp_tolerance_seconds: Annotated[int, msgspec.Meta(ge=1)] = 300
    # what the partner signs: the raw body, or a template such as "{timestamp}.{body}"
    signed_content: str = "{body}"


def parse_settings(settings: Mapping[str, Any] | None) -> GenericJsonSettings:
    """The connection's settings; a missing or misspelt one is a FatalError naming it."""
    try:
        return msgspec.convert(dict(settings or {}), GenericJsonSettings)
    except msgspec.ValidationError as exc:
        raise FatalError(f"generic_json connection settings: {exc}") from None
