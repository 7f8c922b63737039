"""The connector contract (hub.sdk.testing) on the Shopify fixtures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from connectors.shopify import connector
from hub.sdk import Connection, PartnerHttp, StockFigure, WebhookRequest
from hub.sdk.testing import ConnectorContract, ContractSubject, PartnerCall, SignedSample

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SIGNED: dict[str, Any] = json.loads((FIXTURES / "orders_create.headers.json").read_bytes())
DOCUMENTS = ["orders_create.json", "orders_cancelled.json", "orders_fulfilled.json"]
CONNECTION = Connection(
    code="shopify-eu",
    connector="shopify",
    settings={"shop_domain": "acme-eu.myshopify.com", "location_id": "7700001"},
    secrets={"webhook_secret": SIGNED["secret"], "access_token": "shpat_contract_secret"},
)


async def read_stock(http: PartnerHttp) -> object:
    figure = StockFigure(sku="TEE-ORG-BLK-M", listing_id="44700001", quantity=1)
    shown = await connector.read_stock(CONNECTION, [figure], http)
    assert shown == {"TEE-ORG-BLK-M": 17}
    return shown


class TestShopifyContract(ConnectorContract):
    subject = ContractSubject(
        connector=connector,
        connection=CONNECTION,
        documents=[(FIXTURES / name).read_bytes() for name in DOCUMENTS],
        webhook=SignedSample(
            request=WebhookRequest(
                url="https://oms.example.com/webhooks/shopify-eu",
                headers={k.lower(): v for k, v in SIGNED["headers"].items()},
                body=(FIXTURES / "orders_create.json").read_bytes(),
            ),
            signature_header="X-Shopify-Hmac-Sha256",
        ),
        return_reports=[
            ((FIXTURES / "returns_request.json").read_bytes(), "returns/request"),
            ((FIXTURES / "returns_decline.json").read_bytes(), "returns/decline"),
        ],
        partner_call=PartnerCall(
            call=read_stock,
            url="https://acme-eu.myshopify.com/admin/api/2025-01/graphql.json",
            method="POST",
            respond=lambda request: httpx.Response(
                200, content=(FIXTURES / "graphql_read_stock.json").read_bytes()
            ),
        ),
    )
