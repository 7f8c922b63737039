"""The connector contract (connectors/contract.py) on the Shopify fixtures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from connectors.contract import ConnectorContract, ContractSubject, SignedSample
from connectors.shopify import connector
from hub.sdk import Connection, WebhookRequest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SIGNED: dict[str, Any] = json.loads((FIXTURES / "orders_create.headers.json").read_bytes())
DOCUMENTS = ["orders_create.json", "orders_cancelled.json", "orders_fulfilled.json"]


class TestShopifyContract(ConnectorContract):
    subject = ContractSubject(
        connector=connector,
        connection=Connection(
            code="shopify-eu", connector="shopify", secrets={"webhook_secret": SIGNED["secret"]}
        ),
        documents=[(FIXTURES / name).read_bytes() for name in DOCUMENTS],
        webhook=SignedSample(
            request=WebhookRequest(
                url="https://oms.example.com/webhooks/shopify-eu",
                headers={k.lower(): v for k, v in SIGNED["headers"].items()},
                body=(FIXTURES / "orders_create.json").read_bytes(),
            ),
            signature_header="X-Shopify-Hmac-Sha256",
        ),
    )
