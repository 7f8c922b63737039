"""The Amazon connector's connection settings and secrets, validated on each call.

Unknown keys are allowed: the hub keeps its own polling settings (``lookback_seconds``,
``poll_interval_seconds``) in the same mapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

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
    "confirmShipment": RateLimit(rate=2, burst=10),
    "getListingsItem": RateLimit(rate=5, burst=10),
    "patchListingsItem": RateLimit(rate=5, burst=10),
    "createFeedDocument": RateLimit(rate=0.5, burst=15),
    "createFeed": RateLimit(rate=0.0083, burst=15),
    "createRestrictedDataToken": RateLimit(rate=1, burst=10),
    "listFinancialEvents": RateLimit(rate=0.5, burst=30),
}


class AmazonSettings(msgspec.Struct, frozen=True, kw_only=True):
    mapping: str = "amazon_order"
    marketplace_ids: list[str] = []  # required to poll; the first one for stock and shipments
    seller_id: str | None = None  # the merchant token: required to push or read stock
    start: str | None = None  # ISO time the first poll starts from
    lwa_url: str = DEFAULT_LWA_URL
    max_results_per_page: int = 100
    rate_limits: dict[str, RateLimit] = {}  # operation -> override of the default plan
    #: the PII a poll asks a Restricted Data Token for (rdt.py); [] asks for none
    pii_data_elements: tuple[Literal["buyerInfo", "shippingAddress"], ...] = (
        "buyerInfo",
        "shippingAddress",
    )

    def rate_limit(self, operation: str) -> RateLimit:
        return self.rate_limits.get(operation) or DEFAULT_RATE_LIMITS[operation]


def parse_settings(settings: Mapping[str, Any] | None) -> AmazonSettings:
    """The connection's settings; a wrong one is a FatalError naming it."""
    try:
        return msgspec.convert(dict(settings or {}), AmazonSettings)
    except msgspec.ValidationError as exc:
        raise FatalError(f"amazon connection settings: {exc}") from None


def marketplace_id(settings: AmazonSettings, what: str) -> str:
    """The marketplace stock and shipments are sent for: the first of ``marketplace_ids``."""
    if not settings.marketplace_ids:
        raise FatalError(f"amazon: settings.marketplace_ids is needed to {what}")
    return settings.marketplace_ids[0]


def seller_id(settings: AmazonSettings) -> str:
    if not settings.seller_id:
        raise FatalError("amazon: settings.seller_id (the merchant token) is needed for stock")
    return settings.seller_id


def secrets(connection: Connection) -> dict[str, str]:
    """The three LWA secrets; a missing one is a FatalError naming it (never its value)."""
    missing = [name for name in SECRETS if not connection.secrets.get(name)]
    if missing:
        raise FatalError(f"amazon connection {connection.code!r} lacks secret(s) {missing}")
    return {name: connection.secrets[name] for name in SECRETS}


def base_url(connection: Connection) -> str:
    return (connection.base_url or DEFAULT_BASE_URL).rstrip("/")
