"""The connector contract (hub.sdk.testing) on the WooCommerce fixtures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from connectors.woocommerce import connector
from hub.sdk import Connection, PartnerHttp, StockFigure, WebhookRequest
from hub.sdk.testing import ConnectorContract, ContractSubject, PartnerCall, SignedSample

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SIGNED: dict[str, Any] = json.loads((FIXTURES / "order_created.headers.json").read_bytes())
DOCUMENTS = ["order_created.json", "order_prices_include_tax.json"]
CONNECTION = Connection(
    code="woo-uk",
    connector="woocommerce",
    base_url="https://shop.example.com",
    secrets={
        "webhook_secret": SIGNED["secret"],
        "consumer_key": "ck_test_contract",
        "consumer_secret": "cs_test_contract",
    },
)


async def read_stock(http: PartnerHttp) -> object:
    return await connector.read_stock(CONNECTION, [StockFigure("BEANIE-MER-GRY", "101", 1)], http)


class TestWooCommerceContract(ConnectorContract):
    subject = ContractSubject(
        connector=connector,
        connection=CONNECTION,
        documents=[(FIXTURES / name).read_bytes() for name in DOCUMENTS],
        webhook=SignedSample(
            request=WebhookRequest(
                url="https://oms.example.com/webhooks/woo-uk",
                headers={k.lower(): v for k, v in SIGNED["headers"].items()},
                body=(FIXTURES / "order_created.json").read_bytes(),
            ),
            signature_header="X-WC-Webhook-Signature",
        ),
        partner_call=PartnerCall(
            call=read_stock,
            url="https://shop.example.com/wp-json/wc/v3/products",
            respond=lambda request: httpx.Response(
                200, content=(FIXTURES / "products_list.json").read_bytes()
            ),
        ),
    )
