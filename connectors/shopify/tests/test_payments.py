"""What Shopify reports of an order's money: ``financial_status``, the refunds' transactions
in the order payload (and ``transactions`` where a payload carries them), and the
``orders/paid`` webhook topic."""

from __future__ import annotations

import json
from typing import Any

from connectors.shopify import connector
from connectors.shopify.tests.test_shopify import CONNECTION, FIXTURES, normalize, request
from hub.sdk import WebhookRequest


def signed(name: str) -> WebhookRequest:
    headers: dict[str, Any] = json.loads((FIXTURES / f"{name}.headers.json").read_bytes())
    return WebhookRequest(
        url="https://oms.example.com/webhooks/shopify-eu",
        headers={k.lower(): v for k, v in headers["headers"].items()},
        body=(FIXTURES / f"{name}.json").read_bytes(),
    )


def test_orders_paid_is_a_signed_order_topic_the_hub_takes() -> None:
    paid = signed("orders_paid")
    connector.verify(CONNECTION, paid)  # the fixture's test signature holds
    info = connector.describe(CONNECTION, paid)
    assert (info.topic, info.ignore) == ("orders/paid", False)
    assert info.dedupe_key == "7d3b9e20-1c4f-4b8a-a6d2-53f1e0c9b7a8"
    assert not connector.describe(CONNECTION, request(**{"X-Shopify-Topic": "orders/paid"})).ignore


def test_a_bank_deposit_order_is_pending_until_orders_paid() -> None:
    pending = normalize("orders_create_pending.json").order
    paid = normalize("orders_paid.json").order
    assert (pending.payment.status, pending.payment.transactions) == ("pending", [])
    assert (paid.payment.status, paid.payment.transactions) == ("paid", [])
    assert pending.external_id == paid.external_id  # the same order, now paid


def test_a_refund_comes_with_its_transaction() -> None:
    payment = normalize("orders_partially_refunded.json").order.payment
    assert payment.status == "partially_refunded"
    [refund] = payment.transactions
    assert (refund.kind, refund.amount, refund.currency, refund.status) == (
        "refund", 1305, "EUR", "succeeded",
    )  # fmt: skip
    assert (refund.reference, refund.method) == ("7120045512301", "shopify_payments")
    assert refund.at is not None and refund.at.isoformat() == "2025-03-18T13:02:10+00:00"


def test_transactions_a_payload_carries_are_mapped_sale_as_capture() -> None:
    document = json.loads((FIXTURES / "orders_create.json").read_bytes())
    base = {"gateway": "shopify_payments", "processed_at": "2025-03-14T10:22:31+01:00"}
    document["transactions"] = [
        base | {"id": 1, "kind": "sale", "status": "success", "amount": "70.15", "currency": "EUR"},
        base | {"id": 2, "kind": "change", "status": "success", "amount": "0.85",
                "currency": "EUR"},  # cash handed back: not a payment
        base | {"id": 3, "kind": "refund", "status": "pending", "amount": "5.00",
                "currency": "USD"},  # the presentment currency: left to the status
    ]  # fmt: skip
    [reported] = connector.normalize([json.dumps(document).encode()], channel="shopify-eu")
    [sale] = reported.order.payment.transactions
    assert (sale.kind, sale.amount, sale.reference, sale.status) == (
        "capture", 7015, "1", "succeeded",
    )  # fmt: skip
