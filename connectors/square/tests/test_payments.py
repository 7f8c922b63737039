"""What Square reports of an order's money: its tenders (a card's by its status, cash as
taken) and its refunds."""

from __future__ import annotations

import json

from connectors.square.tests.test_normalize import CATALOG, ORDER, normalize, order_with


def tenders() -> list[dict[str, object]]:
    return list(json.loads(ORDER)["order"]["tenders"])


def test_a_captured_card_tender_is_a_capture() -> None:
    [reported] = normalize(ORDER, CATALOG)
    [capture] = reported.order.payment.transactions
    assert (capture.kind, capture.amount, capture.currency, capture.status) == (
        "capture", 4192, "USD", "succeeded",
    )  # fmt: skip
    assert (capture.method, capture.reference) == ("CARD", "bP6nR2tYk9XwQ4mL1cVj8sHdE7fZ")


def test_an_authorized_card_and_a_cash_tender() -> None:
    card, cash = tenders()[0], dict(tenders()[0])
    card["card_details"] = {"status": "AUTHORIZED"}
    card["amount_money"] = {"amount": 4000, "currency": "USD"}
    cash |= {"id": "CASH-1", "type": "CASH", "card_details": None,
             "amount_money": {"amount": 192, "currency": "USD"}}  # fmt: skip
    [reported] = normalize(order_with(tenders=[card, cash]), CATALOG)
    assert [(t.kind, t.amount, t.method) for t in reported.order.payment.transactions] == [
        ("authorization", 4000, "CARD"),
        ("capture", 192, "CASH"),
    ]


def test_refunds_and_their_states() -> None:
    refunds = [
        {"id": "R1", "tender_id": "T", "amount_money": {"amount": 500, "currency": "USD"},
         "status": "COMPLETED", "created_at": "2025-03-15T10:00:00Z"},
        {"id": "R2", "tender_id": "T", "amount_money": {"amount": 100, "currency": "USD"},
         "status": "PENDING", "created_at": "2025-03-15T11:00:00Z"},
    ]  # fmt: skip
    [reported] = normalize(order_with(refunds=refunds), CATALOG)
    assert [(t.kind, t.amount, t.status) for t in reported.order.payment.transactions[1:]] == [
        ("refund", 500, "succeeded"),
        ("refund", 100, "pending"),
    ]
