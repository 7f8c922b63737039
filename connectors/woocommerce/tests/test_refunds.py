"""Refunds to WooCommerce: ``POST orders/{id}/refunds`` with the amount, the lines and the
hub's reason, once: a refund with that reason already on the order is found, not made
again (respx at the store's REST API)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
import respx

from connectors.woocommerce import connector
from hub.sdk import ChannelRefund, Connection, PartnerHttp, RefundLine, RefundsOrders

API = "https://shop.example.com/wp-json/wc/v3"
CONNECTION = Connection(
    code="woo-uk", connector="woocommerce", base_url="https://shop.example.com",
    secrets={"consumer_key": "ck_test", "consumer_secret": "cs_test"},
)  # fmt: skip
REFUND = ChannelRefund(
    refund_id="01JRETURN0000000000000000", external_id="4821", currency="GBP", amount=2610,
    lines=[RefundLine(sku="BEANIE-MER-GRY", quantity=1, line_id="311")],
    note="hub return 01JRETURN0000000000000000",
)  # fmt: skip


@pytest.fixture
async def http() -> AsyncIterator[PartnerHttp]:
    async with httpx.AsyncClient() as client:
        yield PartnerHttp(client, attempts=1)


@respx.mock
async def test_a_refund_is_posted_with_the_lines_and_the_reason(http: PartnerHttp) -> None:
    woo = connector
    assert isinstance(woo, RefundsOrders)
    respx.get(f"{API}/orders/4821/refunds").mock(return_value=httpx.Response(200, json=[]))
    made = respx.post(f"{API}/orders/4821/refunds").mock(
        return_value=httpx.Response(201, json={"id": 77, "amount": "26.10"})
    )
    sent = await woo.refund_order(CONNECTION, REFUND, http)
    assert (sent.reference, sent.already) == ("woocommerce-refund:77", False)
    assert json.loads(made.calls[0].request.content) == {
        "amount": "26.10", "reason": "hub return 01JRETURN0000000000000000",
        "line_items": [{"id": 311, "quantity": 1}], "api_refund": True, "restock_items": False,
    }  # fmt: skip


@respx.mock
async def test_a_refund_made_before_is_found_and_not_made_again(http: PartnerHttp) -> None:
    listed = [{"id": 77, "reason": "hub return 01JRETURN0000000000000000", "amount": "26.10"}]
    respx.get(f"{API}/orders/4821/refunds").mock(return_value=httpx.Response(200, json=listed))
    made = respx.post(f"{API}/orders/4821/refunds")
    sent = await connector.refund_order(CONNECTION, REFUND, http)
    assert (sent.reference, sent.already, made.call_count) == ("woocommerce-refund:77", True, 0)
