"""The Shopify connector's connection settings and secrets for Admin API calls, validated
on each call (webhook-only connections need none of them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import msgspec

from hub.sdk import Connection, FatalError

DEFAULT_API_VERSION = "2025-01"
#: from this API version on, inventorySetQuantities takes an ``@idempotent(key:)`` directive
IDEMPOTENT_FROM = "2026-01"
#: from this version on, ``ignoreCompareQuantity`` is gone: each quantity carries
#: ``changeFromQuantity`` (null: no compare-and-set)
CHANGE_FROM_QUANTITY_FROM = "2026-04"

ApiVersion = Annotated[str, msgspec.Meta(pattern=r"^(\d{4}-\d{2}|unstable)$")]
NumericOrGid = Annotated[str, msgspec.Meta(pattern=r"^(\d+|gid://shopify/Location/\d+)$")]


class ShopifySettings(msgspec.Struct, frozen=True, kw_only=True):
    mapping: str | None = None  # read by normalize; listed so a wrong type is caught here
    shop_domain: str | None = None  # e.g. acme-eu.myshopify.com
    api_version: ApiVersion = DEFAULT_API_VERSION
    location_id: NumericOrGid | int | None = None  # where stock is set and read

    def location_gid(self) -> str:
        """The location as a GraphQL id; FatalError when the setting is missing."""
        if self.location_id is None:
            raise FatalError("shopify connection settings: 'location_id' is missing")
        return gid("Location", str(self.location_id))

    def at_least(self, version: str) -> bool:
        """Whether the configured API version is ``version`` or later (unstable is latest)."""
        return self.api_version == "unstable" or self.api_version >= version


def parse_settings(settings: Mapping[str, Any] | None) -> ShopifySettings:
    """The connection's settings; a wrong one is a FatalError naming it."""
    try:
        return msgspec.convert(dict(settings or {}), ShopifySettings)
    except msgspec.ValidationError as exc:
        raise FatalError(f"shopify connection settings: {exc}") from None


def gid(kind: str, value: str) -> str:
    """``gid://shopify/<kind>/<value>``; a value that already is that gid is kept."""
    prefix = f"gid://shopify/{kind}/"
    return value if value.startswith(prefix) else prefix + value


def graphql_url(connection: Connection, settings: ShopifySettings) -> str:
    """``{base}/admin/api/{api_version}/graphql.json``; base from the connection or shop_domain."""
    if connection.base_url:
        base = connection.base_url.rstrip("/")
    elif settings.shop_domain:
        base = f"https://{settings.shop_domain.strip().rstrip('/')}"
    else:
        raise FatalError("shopify connection settings: 'shop_domain' is missing")
    return f"{base}/admin/api/{settings.api_version}/graphql.json"


def access_token(connection: Connection) -> str:
    """The Admin API access token; a missing one is a FatalError naming it (never a value)."""
    token = connection.secrets.get("access_token")
    if not token:
        raise FatalError(f"shopify connection {connection.code!r} lacks secret 'access_token'")
    return token
