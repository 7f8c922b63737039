"""Refunds to eBay: issueRefund with BUYER_RETURN, on the returned lines (the amount split by
what they cost) or at order level, once: getOrder first, and a refund of the same amount
that did not fail is the one made before (respx at the Sell Fulfillment API)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from connectors.ebay import connector
from connectors.ebay.refunds import refund_body
from hub.sdk import (
    ChannelRefund,
    Connection,
    FatalError,
    PartnerHttp,
    RefundLine,
    RefundsOrders,
    RetriableError,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ORDER_ID = "12-11523-48291"
ORDER_URL = f"https://api.ebay.com/sell/fulfillment/v1/order/{ORDER_ID}"
CONNECTION = Connection(code="ebay-de", connector="ebay", secrets={"access_token": "v^1.1#tok"})
RETURN_ID = "01JRETURN00000000000000EB"
POLE, LAMP = "10071234567801", "10071234567802"


def refund(amount: int, *lines: tuple[str, str, int]) -> ChannelRefund:
    return ChannelRefund(
        refund_id=RETURN_ID, external_id=ORDER_ID, currency="EUR", amount=amount,
        lines=[RefundLine(sku=sku, quantity=q, line_id=line) for line, sku, q in lines],
        note=f"hub return {RETURN_ID}",
    )  # fmt: skip


def order(refunds: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    found = json.loads((FIXTURES / "getorders.json").read_bytes())["orders"][0]
    found["paymentSummary"]["refunds"] = refunds or []
    return found


@pytest.fixture
async def http() -> AsyncIterator[PartnerHttp]:
    async with httpx.AsyncClient() as client:
        yield PartnerHttp(client, attempts=1)


@respx.mock
async def test_issue_refund_on_the_returned_lines(http: PartnerHttp) -> None:
    assert isinstance(connector, RefundsOrders)
    respx.get(ORDER_URL).mock(return_value=httpx.Response(200, json=order()))
    made = respx.post(f"{ORDER_URL}/issue_refund").mock(
        return_value=httpx.Response(200, json={"refundId": "5000012345", "refundStatus": "PENDING"})
    )
    returned = refund(5490, (POLE, "TRK-POLE-CARB", 1), (LAMP, "HDL-LMP-400", 1))
    sent = await connector.refund_order(CONNECTION, returned, http)
    assert (sent.reference, sent.already) == ("5000012345", False)
    request = made.calls[0].request
    assert request.headers["authorization"] == "Bearer v^1.1#tok"
    assert json.loads(request.content) == {
        "reasonForRefund": "BUYER_RETURN",
        "comment": f"hub return {RETURN_ID}",
        "refundItems": [
            {"lineItemId": POLE, "refundAmount": {"value": "34.90", "currency": "EUR"}},
            {"lineItemId": LAMP, "refundAmount": {"value": "20.00", "currency": "EUR"}},
        ],
    }


def test_the_amount_is_split_by_cost_to_the_cent() -> None:
    """A restocking fee off 54.90: 50.00 split 3490:2000, the odd cent to the larger rest."""
    body = refund_body(order(), refund(5000, (POLE, "P", 1), (LAMP, "L", 1)))
    shares = [i["refundAmount"]["value"] for i in body["refundItems"]]
    assert shares == ["31.79", "18.21"]


def test_a_line_the_order_does_not_know_refunds_at_order_level() -> None:
    body = refund_body(order(), refund(1200, ("999", "X", 1)))
    assert body["orderLevelRefundAmount"] == {"value": "12.00", "currency": "EUR"}
    assert "refundItems" not in body


@respx.mock
async def test_a_refund_of_the_amount_on_the_order_is_found(http: PartnerHttp) -> None:
    refunds = [
        {"refundId": "FAILED-1", "refundStatus": "FAILED",
         "amount": {"value": "54.90", "currency": "EUR"}},
        {"refundId": "5000012345", "refundStatus": "PENDING",
         "amount": {"value": "54.90", "currency": "EUR"}},
    ]  # fmt: skip
    respx.get(ORDER_URL).mock(return_value=httpx.Response(200, json=order(refunds)))
    made = respx.post(f"{ORDER_URL}/issue_refund")
    returned = refund(5490, (POLE, "TRK-POLE-CARB", 1), (LAMP, "HDL-LMP-400", 1))
    sent = await connector.refund_order(CONNECTION, returned, http)
    assert (sent.reference, sent.already, made.call_count) == ("5000012345", True, 0)


@respx.mock
async def test_a_failed_refund_alone_does_not_stop_a_new_one(http: PartnerHttp) -> None:
    refunds = [{"refundId": "F-1", "refundStatus": "FAILED",
                "amount": {"value": "20.00", "currency": "EUR"}}]  # fmt: skip
    respx.get(ORDER_URL).mock(return_value=httpx.Response(200, json=order(refunds)))
    made = respx.post(f"{ORDER_URL}/issue_refund").mock(
        return_value=httpx.Response(200, json={"refundId": "R-2", "refundStatus": "PENDING"})
    )
    sent = await connector.refund_order(CONNECTION, refund(2000, (LAMP, "L", 1)), http)
    assert (sent.reference, made.call_count) == ("R-2", 1)


@respx.mock
async def test_a_refused_or_failed_refund_is_fatal_an_odd_answer_retriable(
    http: PartnerHttp,
) -> None:
    respx.get(ORDER_URL).mock(return_value=httpx.Response(200, json=order()))
    route = respx.post(f"{ORDER_URL}/issue_refund")
    returned = refund(2000, (LAMP, "L", 1))
    route.mock(return_value=httpx.Response(400, json={"errors": [{"errorId": 32100}]}))
    with pytest.raises(FatalError):
        await connector.refund_order(CONNECTION, returned, http)
    route.mock(return_value=httpx.Response(200, json={"refundStatus": "FAILED"}))
    with pytest.raises(FatalError, match="FAILED"):
        await connector.refund_order(CONNECTION, returned, http)
    respx.get(ORDER_URL).mock(return_value=httpx.Response(200, text="<html/>"))
    with pytest.raises(RetriableError):
        await connector.refund_order(CONNECTION, returned, http)
