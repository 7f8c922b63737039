"""The eBay connector's connection settings and secret, validated on each call.

Unknown keys are allowed: the hub keeps its own polling settings (``lookback_seconds``,
``poll_interval_seconds``) in the same mapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from hub.sdk import Connection, FatalError

DEFAULT_BASE_URL = "https://api.ebay.com"
MAX_LIMIT = 1000  # getOrders' documented maximum page size


class EbaySettings(msgspec.Struct, frozen=True, kw_only=True):
    mapping: str = "ebay_order"
    start: datetime | None = None  # where the first poll starts (ISO time with an offset)
    limit: Annotated[int, Meta(ge=1, le=MAX_LIMIT)] = 50  # orders per getOrders page
    returns_limit: Annotated[int, Meta(ge=1, le=200)] = 50  # returns per search page
    #: each returns window re-reads the returns created this many days before it (the
    #: search filters on creation only; a return's later states come this way)
    returns_lookback_days: Annotated[int, Meta(ge=0, le=365)] = 30


def parse_settings(settings: Mapping[str, Any] | None) -> EbaySettings:
    """The connection's settings; a wrong one is a FatalError naming it."""
    try:
        return msgspec.convert(dict(settings or {}), EbaySettings)
    except msgspec.ValidationError as exc:
        raise FatalError(f"ebay connection settings: {exc}") from None


def access_token(connection: Connection) -> str:
    """The OAuth user access token; a missing one is a FatalError naming it (never a value)."""
    token = connection.secrets.get("access_token")
    if not token:
        raise FatalError(f"ebay connection {connection.code!r} lacks secret 'access_token'")
    return token


def base_url(connection: Connection) -> str:
    return (connection.base_url or DEFAULT_BASE_URL).rstrip("/")
