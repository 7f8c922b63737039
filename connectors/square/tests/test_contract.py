"""The connector contract (hub.sdk.testing) on the Square fixtures.

The contract maps each sample document on its own, so the samples are combined roots
(an order with its SKUs), as ``orders_from_message`` builds them after fetching.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import respx

from connectors.square import connector
from hub.sdk import Connection, PartnerHttp, WebhookRequest
from hub.sdk.testing import ConnectorContract, ContractSubject, PartnerCall, SignedSample

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SIGNED: dict[str, Any] = json.loads((FIXTURES / "order_updated_webhook.headers.json").read_bytes())
NOTIFICATION = (FIXTURES / "order_updated_webhook.json").read_bytes()
CONNECTION = Connection(
    code="square-pos",
    connector="square",
    settings={"notification_url": SIGNED["notification_url"]},
    secrets={"signature_key": SIGNED["secret"], "access_token": "EAAA-test-access-token"},
)


async def map_notification(http: PartnerHttp) -> object:
    return await connector.orders_from_message(CONNECTION, NOTIFICATION, "order.updated", http)


def catalog_route(router: respx.MockRouter) -> None:
    router.post("https://connect.squareup.com/v2/catalog/batch-retrieve").mock(
        return_value=httpx.Response(200, content=(FIXTURES / "catalog.json").read_bytes())
    )


class TestSquareContract(ConnectorContract):
    subject = ContractSubject(
        connector=connector,
        connection=CONNECTION,
        documents=[(FIXTURES / "order_combined.json").read_bytes()],
        webhook=SignedSample(
            request=WebhookRequest(
                url=SIGNED["notification_url"],
                headers={k.lower(): v for k, v in SIGNED["headers"].items()},
                body=NOTIFICATION,
            ),
            signature_header="x-square-hmacsha256-signature",
        ),
        partner_call=PartnerCall(
            call=map_notification,
            url="https://connect.squareup.com/v2/orders/",
            respond=lambda request: httpx.Response(
                200, content=(FIXTURES / "order.json").read_bytes()
            ),
            other_routes=catalog_route,
        ),
    )
