"""The Amazon connector's connection settings and secrets, validated on each call.

Unknown keys are allowed: the hub keeps its own polling settings (``lookback_seconds``,
``poll_interval_seconds``) in the same mapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from hub.sdk import Connection, FatalError

DEFAULT_BASE_URL = "https://sellingpartnerapi-na.amazon.com"
DEFAULT_LWA_URL = "https://api.amazon.com/auth/o2/token"
SECRETS = ("refresh_token", "client_id", "client_secret")


class RateLimit(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """An SP-API usage plan: ``rate`` requests per second refill a bucket of ``burst``."""

    rate: float
    burst: float


#: the documented default usage plans of the operations this connector calls
DEFAULT_RATE_LIMITS: dict[str, RateLimit] = {
    "getOrders": RateLimit(rate=0.0167, burst=20),
    "getOrderItems": RateLimit(rate=0.5, burst=30),
}


class AmazonSettings(msgspec.Struct, frozen=True, kw_only=True):
    mapping: str = "amazon_order"
    marketplace_ids: list[str] = []  # required to poll
    start: str | None = None  # ISO time the first poll starts from
    lwa_url: str = DEFAULT_LWA_URL
    max_results_per_page: int = 100
    rate_limits: dict[str, RateLimit] = {}  # operation -> override of the default plan

    def rate_limit(self, operation: str) -> RateLimit:
        return self.rate_limits.get(operation) or DEFAULT_RATE_LIMITS[operation]


def parse_settings(settings: Mapping[str, Any] | None) -> AmazonSettings:
    """The connection's settings; a wrong one is a FatalError naming it."""
    try:
        return msgspec.convert(dict(settings or {}), AmazonSettings)
    except msgspec.ValidationError as exc:
        raise FatalError(f"amazon connection settings: {exc}") from None


def secrets(connection: Connection) -> dict[str, str]:
    """The three LWA secrets; a missing one is a FatalError naming it (never its value)."""
    missing = [name for name in SECRETS if not connection.secrets.get(name)]
    if missing:
        raise FatalError(f"amazon connection {connection.code!r} lacks secret(s) {missing}")
    return {name: connection.secrets[name] for name in SECRETS}


def base_url(connection: Connection) -> str:
    return (connection.base_url or DEFAULT_BASE_URL).rstrip("/")
