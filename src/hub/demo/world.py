"""The demo's world: its catalog, its two locations, its connections and their secrets.

Money is in minor units (EUR cents). Each SKU has a Shopify inventory item id (its
listing on the shop, under which the hub pushes its stock figure) and opening stock per
location: the tees and the hoodie lie at the 3PL, the mugs and the tote in the merchant's
own warehouse, so orders are routed to either, or split over both.
"""

from __future__ import annotations

import base64
import secrets
from pathlib import Path

import msgspec

SHOP = "shopify"  # the connection codes
THREEPL = "shipbob"
CARRIER = "easypost"
HOME = "home"  # the location codes
WAREHOUSE_3PL = "3pl"
SHOP_LOCATION_ID = 7700001


class Product(msgspec.Struct, frozen=True):
    sku: str
    name: str
    price: int  # EUR cents, tax included
    item_id: int  # the shop's inventory item id: the SKU's listing on the shop
    stock: dict[str, int]  # location code -> units on hand at the start


CATALOG: tuple[Product, ...] = (
    Product("TEE-ORG-BLK-M", "Organic Tee, black, M", 2900, 48001, {WAREHOUSE_3PL: 40}),
    Product("TEE-ORG-WHT-L", "Organic Tee, white, L", 2900, 48002, {WAREHOUSE_3PL: 30}),
    Product("HOOD-GRY-M", "Hoodie, grey, M", 5900, 48003, {WAREHOUSE_3PL: 12}),
    Product("MUG-CER-350", "Ceramic Mug 350 ml", 1450, 48004, {HOME: 25}),
    Product("TOTE-CAN-NAT", "Canvas Tote", 1900, 48005, {HOME: 15, WAREHOUSE_3PL: 5}),
)

BUYERS: tuple[tuple[str, str, str, str, str], ...] = (
    # first name, last name, street, postal code, city (all in Germany)
    ("Renée", "Müller", "Schönhauser Allee 12", "10119", "Berlin"),
    ("Jonas", "Becker", "Lindenstraße 4", "50674", "Köln"),
    ("Aylin", "Demir", "Sendlinger Str. 27", "80331", "München"),
    ("Lukas", "Schmidt", "Hafenweg 9", "20457", "Hamburg"),
    ("Mia", "Wagner", "Königstraße 33", "70173", "Stuttgart"),
    ("Noah", "Fischer", "Prager Str. 2", "01069", "Dresden"),
)


class Secrets(msgspec.Struct, frozen=True):
    """Fresh secrets for one run, shared by the hub (through the environment) and the sandbox."""

    shop_webhook: str
    shop_token: str
    threepl_webhook: str  # whsec_<base64 key>, as ShipBob's subscriptions carry
    threepl_token: str
    carrier_webhook: str
    carrier_key: str

    @classmethod
    def fresh(cls) -> Secrets:
        key = base64.b64encode(secrets.token_bytes(32)).decode()
        return cls(
            shop_webhook=secrets.token_hex(16),
            shop_token=f"shpat_{secrets.token_hex(16)}",
            threepl_webhook=f"whsec_{key}",
            threepl_token=secrets.token_urlsafe(24),
            carrier_webhook=secrets.token_hex(16),
            carrier_key=f"EZTK{secrets.token_hex(16)}",
        )

    def environment(self) -> dict[str, str]:
        """The environment variables the connections file names."""
        return {
            "DEMO_SHOPIFY_WEBHOOK_SECRET": self.shop_webhook,
            "DEMO_SHOPIFY_ACCESS_TOKEN": self.shop_token,
            "DEMO_SHIPBOB_WEBHOOK_SECRET": self.threepl_webhook,
            "DEMO_SHIPBOB_ACCESS_TOKEN": self.threepl_token,
            "DEMO_EASYPOST_WEBHOOK_SECRET": self.carrier_webhook,
            "DEMO_EASYPOST_API_KEY": self.carrier_key,
        }


def connections_yaml(sandbox_url: str) -> str:
    """The connections file: each partner at its path on the loopback sandbox."""
    return f"""\
connections:
  - code: {SHOP}
    connector: shopify
    base_url: {sandbox_url}/shopify
    settings: {{location_id: {SHOP_LOCATION_ID}, stock_drift_minutes: 0}}
    secrets:
      webhook_secret: {{env: DEMO_SHOPIFY_WEBHOOK_SECRET}}
      access_token: {{env: DEMO_SHOPIFY_ACCESS_TOKEN}}
  - code: {THREEPL}
    connector: shipbob
    base_url: {sandbox_url}/shipbob
    settings: {{channel_id: 100102}}
    secrets:
      webhook_secret: {{env: DEMO_SHIPBOB_WEBHOOK_SECRET}}
      access_token: {{env: DEMO_SHIPBOB_ACCESS_TOKEN}}
  - code: {CARRIER}
    connector: easypost
    base_url: {sandbox_url}/easypost
    secrets:
      webhook_secret: {{env: DEMO_EASYPOST_WEBHOOK_SECRET}}
      api_key: {{env: DEMO_EASYPOST_API_KEY}}
"""


def write_connections(folder: Path, sandbox_url: str) -> Path:
    path = folder / "connections.yaml"
    path.write_text(connections_yaml(sandbox_url), encoding="utf-8")
    return path


def locations() -> list[dict[str, object]]:
    """``POST /locations`` bodies: the 3PL is reserved from first (lower priority)."""
    return [
        {
            "code": WAREHOUSE_3PL,
            "name": "ShipBob, Cicero",
            "kind": "3pl",
            "priority": 10,
            "connection": THREEPL,
            "country": "DE",
        },
        {"code": HOME, "name": "Own warehouse", "kind": "own", "priority": 50, "country": "DE"},
    ]


def catalog_batch() -> dict[str, object]:
    """``PUT /catalog/skus``: every SKU listed on the shop under its inventory item id."""
    return {
        "skus": [
            {"sku": p.sku, "name": p.name, "listings": {SHOP: str(p.item_id)}} for p in CATALOG
        ]
    }


def opening_stock() -> dict[str, object]:
    """``POST /stock/movements``: the opening receipts."""
    return {
        "movements": [
            {
                "kind": "receipt",
                "sku": p.sku,
                "location": where,
                "quantity": units,
                "reason": "demo: opening stock",
            }
            for p in CATALOG
            for where, units in p.stock.items()
        ]
    }
