"""The connector contract (connectors/contract.py) on the WooCommerce fixtures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from connectors.contract import ConnectorContract, ContractSubject, SignedSample
from connectors.woocommerce import connector
from hub.sdk import Connection, WebhookRequest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SIGNED: dict[str, Any] = json.loads((FIXTURES / "order_created.headers.json").read_bytes())
DOCUMENTS = ["order_created.json", "order_prices_include_tax.json"]


class TestWooCommerceContract(ConnectorContract):
    subject = ContractSubject(
        connector=connector,
        connection=Connection(
            code="woo-uk", connector="woocommerce", secrets={"webhook_secret": SIGNED["secret"]}
        ),
        documents=[(FIXTURES / name).read_bytes() for name in DOCUMENTS],
        webhook=SignedSample(
            request=WebhookRequest(
                url="https://oms.example.com/webhooks/woo-uk",
                headers={k.lower(): v for k, v in SIGNED["headers"].items()},
                body=(FIXTURES / "order_created.json").read_bytes(),
            ),
            signature_header="X-WC-Webhook-Signature",
        ),
    )
