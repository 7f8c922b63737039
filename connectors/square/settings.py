"""The Square connector's connection settings and secrets, validated on each call."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from hub.sdk import Connection, FatalError

DEFAULT_BASE_URL = "https://connect.squareup.com"
#: the API version this connector was written against (square/connect-api-specification)
DEFAULT_SQUARE_VERSION = "2025-08-20"


class SquareSettings(msgspec.Struct, frozen=True, kw_only=True):
    mapping: str = "square_order"
    # the subscription's notification URL, byte for byte (it is part of what Square signs);
    # None: the URL the hub received the webhook at
    notification_url: str | None = None
    square_version: str = DEFAULT_SQUARE_VERSION
    # the Square location whose stock the hub sets and reads (push_stock, read_stock)
    location_id: str | None = None


def parse_settings(settings: Mapping[str, Any] | None) -> SquareSettings:
    """The connection's settings; a wrong one is a FatalError naming it."""
    try:
        return msgspec.convert(dict(settings or {}), SquareSettings)
    except msgspec.ValidationError as exc:
        raise FatalError(f"square connection settings: {exc}") from None


def access_token(connection: Connection) -> str:
    """The seller's access token; a missing one is a FatalError naming it (never a value)."""
    token = connection.secrets.get("access_token")
    if not token:
        raise FatalError(f"square connection {connection.code!r} lacks secret 'access_token'")
    return token


def base_url(connection: Connection) -> str:
    return (connection.base_url or DEFAULT_BASE_URL).rstrip("/")


def stock_location(connection: Connection, settings: SquareSettings) -> str:
    """The location stock figures belong to; a missing one is a FatalError naming it."""
    if not settings.location_id:
        raise FatalError(f"square connection {connection.code!r} lacks settings.location_id")
    return settings.location_id
