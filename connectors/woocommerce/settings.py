"""The WooCommerce connector's connection settings (the hub checks them at start)."""

from __future__ import annotations

import msgspec

DEFAULT_MAPPING = "woocommerce_order"


class WooCommerceSettings(msgspec.Struct, frozen=True, kw_only=True):
    mapping: str = DEFAULT_MAPPING  # the mapping in mappings/ that reads the order webhooks
    store_url: str | None = None  # the shop's root URL when the connection has no base_url
