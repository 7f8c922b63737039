"""Refunds to Square: RefundPayment on the order's tender with an idempotency key from the
hub's refund id, once: a refund with the hub's reason already on the order is found and
nothing is sent (respx at Square's edge)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from connectors.square import connector
from connectors.square.refunds import idempotency_key
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
BASE = "https://connect.squareup.com"
ORDER_ID = "pM8aL2xQ7vTkR4nYcW1bHs9EfZdJ"
PAYMENT_ID = "bP6nR2tYk9XwQ4mL1cVj8sHdE7fZ"
TOKEN = "EAAA-test-access-token"
CONNECTION = Connection(
    code="square-pos", connector="square", secrets={"signature_key": "k", "access_token": TOKEN}
)
RETURN_ID = "01JRETURN0000000000000000S"
REFUND = ChannelRefund(
    refund_id=RETURN_ID, external_id=ORDER_ID, currency="USD", amount=1643,
    lines=[RefundLine(sku="TOTE-CNV-NAT", quantity=1, line_id="6dRq3mV1TqK9fJ2a0BxYwC")],
    note=f"hub return {RETURN_ID}",
)  # fmt: skip
MADE = {"refund": {"id": f"{PAYMENT_ID}_R1", "status": "PENDING", "payment_id": PAYMENT_ID,
                   "amount_money": {"amount": 1643, "currency": "USD"}}}  # fmt: skip


def order(**changes: Any) -> dict[str, Any]:
    found = json.loads((FIXTURES / "order.json").read_bytes())
    found["order"].update(changes)
    return found


@pytest.fixture
async def http() -> AsyncIterator[PartnerHttp]:
    async with httpx.AsyncClient() as client:
        yield PartnerHttp(client, attempts=1)


@respx.mock
async def test_refund_payment_on_the_tender_with_a_key_from_the_refund_id(
    http: PartnerHttp,
) -> None:
    assert isinstance(connector, RefundsOrders)
    respx.get(f"{BASE}/v2/orders/{ORDER_ID}").mock(return_value=httpx.Response(200, json=order()))
    made = respx.post(f"{BASE}/v2/refunds").mock(return_value=httpx.Response(200, json=MADE))
    sent = await connector.refund_order(CONNECTION, REFUND, http)
    assert (sent.reference, sent.already) == (f"{PAYMENT_ID}_R1", False)
    request = made.calls[0].request
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["square-version"]
    assert json.loads(request.content) == {
        "idempotency_key": f"hub-{RETURN_ID}",
        "amount_money": {"amount": 1643, "currency": "USD"},
        "payment_id": PAYMENT_ID,
        "reason": f"hub return {RETURN_ID}",
    }


@respx.mock
async def test_asking_twice_sends_the_same_key(http: PartnerHttp) -> None:
    """A retry after a lost answer: Square sees the same key and answers the first refund."""
    respx.get(f"{BASE}/v2/orders/{ORDER_ID}").mock(return_value=httpx.Response(200, json=order()))
    made = respx.post(f"{BASE}/v2/refunds").mock(return_value=httpx.Response(200, json=MADE))
    first = await connector.refund_order(CONNECTION, REFUND, http)
    second = await connector.refund_order(CONNECTION, REFUND, http)
    keys = {json.loads(c.request.content)["idempotency_key"] for c in made.calls}
    assert keys == {f"hub-{RETURN_ID}"} and first.reference == second.reference


@respx.mock
async def test_a_refund_on_the_order_with_the_hub_reason_is_found(http: PartnerHttp) -> None:
    refunds = [{"id": "R-OLD", "tender_id": PAYMENT_ID, "status": "COMPLETED",
                "reason": f"hub return {RETURN_ID}",
                "amount_money": {"amount": 1643, "currency": "USD"}}]  # fmt: skip
    respx.get(f"{BASE}/v2/orders/{ORDER_ID}").mock(
        return_value=httpx.Response(200, json=order(refunds=refunds))
    )
    made = respx.post(f"{BASE}/v2/refunds")
    sent = await connector.refund_order(CONNECTION, REFUND, http)
    assert (sent.reference, sent.already, made.call_count) == ("R-OLD", True, 0)


@respx.mock
async def test_a_tender_refunded_before_must_still_hold_the_amount(http: PartnerHttp) -> None:
    refunds = [{"id": "R-X", "tender_id": PAYMENT_ID, "status": "COMPLETED", "reason": "other",
                "amount_money": {"amount": 3000, "currency": "USD"}}]  # fmt: skip
    respx.get(f"{BASE}/v2/orders/{ORDER_ID}").mock(
        return_value=httpx.Response(200, json=order(refunds=refunds))
    )
    made = respx.post(f"{BASE}/v2/refunds")
    with pytest.raises(FatalError, match="no tender holds 1643 USD"):
        await connector.refund_order(CONNECTION, REFUND, http)
    assert made.call_count == 0


@respx.mock
async def test_a_cash_tender_after_an_authorised_card_is_refunded(http: PartnerHttp) -> None:
    card = order()["order"]["tenders"][0] | {"card_details": {"status": "AUTHORIZED"}}
    cash = {"id": "CASH-1", "type": "CASH", "amount_money": {"amount": 2000, "currency": "USD"}}
    respx.get(f"{BASE}/v2/orders/{ORDER_ID}").mock(
        return_value=httpx.Response(200, json=order(tenders=[card, cash]))
    )
    made = respx.post(f"{BASE}/v2/refunds").mock(return_value=httpx.Response(200, json=MADE))
    await connector.refund_order(CONNECTION, REFUND, http)
    assert json.loads(made.calls[0].request.content)["payment_id"] == "CASH-1"


@respx.mock
async def test_a_refused_refund_is_fatal_and_an_unreadable_answer_retriable(
    http: PartnerHttp,
) -> None:
    respx.get(f"{BASE}/v2/orders/{ORDER_ID}").mock(return_value=httpx.Response(200, json=order()))
    route = respx.post(f"{BASE}/v2/refunds")
    route.mock(
        return_value=httpx.Response(400, json={"errors": [{"code": "REFUND_AMOUNT_INVALID"}]})
    )
    with pytest.raises(FatalError):
        await connector.refund_order(CONNECTION, REFUND, http)
    route.mock(return_value=httpx.Response(200, text="<html>proxy</html>"))
    with pytest.raises(RetriableError):
        await connector.refund_order(CONNECTION, REFUND, http)


def test_the_key_stays_within_square_limit() -> None:
    assert idempotency_key("R" * 26) == "hub-" + "R" * 26
    long = idempotency_key("x" * 80)
    assert len(long) == 45 and long == idempotency_key("x" * 80) != idempotency_key("y" * 80)
