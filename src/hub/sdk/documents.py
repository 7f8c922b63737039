"""Helpers every mapping connector needs: its mapping by name, and a partner document decoded."""

from __future__ import annotations

from typing import Any

import msgspec

from hub.domain.channel import ChannelOrder
from hub.mapping import Mapping, MappingError, load_default


def mapping_named(name: str) -> Mapping:
    """The mapping called ``name`` from the mappings folder (reloaded when a file changes)."""
    return load_default().get(name)


def decode_document(document: bytes, mapping: str) -> Any:
    """A partner's JSON document; anything else is a ``MappingError`` (quarantined, not lost)."""
    try:
        return msgspec.json.decode(document)
    except msgspec.DecodeError as exc:
        raise MappingError(mapping, "$", f"the document is not JSON: {exc}") from None


def map_documents(documents: list[bytes], *, mapping: str, channel: str) -> list[ChannelOrder]:
    """Each JSON document through the mapping called ``mapping``, for ``channel``."""
    found = mapping_named(mapping)
    return [found.to_order(decode_document(doc, found.name), channel=channel) for doc in documents]
