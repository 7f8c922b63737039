"""What WooCommerce reports of an order's money: ``date_paid`` with ``payment_method`` and
``transaction_id`` (a capture of the total), and the order's refunds."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from connectors.woocommerce.tests.test_woocommerce import BODY, normalize


def test_a_paid_order_is_a_capture_with_the_gateway_reference() -> None:
    payment = normalize(BODY).order.payment
    assert payment.status == "paid"
    [capture] = payment.transactions
    assert (capture.kind, capture.amount, capture.currency) == ("capture", 9222, "GBP")
    assert (capture.method, capture.reference) == ("stripe", "pi_3OuX2kLkdIwHu7ix0Q1aB2cD")
    assert capture.at == datetime(2025, 3, 14, 11, 5, 18, tzinfo=UTC)  # date_paid_gmt


def test_an_unpaid_order_has_no_capture() -> None:
    document = json.loads(BODY)
    document |= {"status": "on-hold", "date_paid": None, "date_paid_gmt": None,
                 "payment_method": "bacs", "transaction_id": ""}  # fmt: skip
    payment = normalize(json.dumps(document).encode()).order.payment
    assert (payment.status, payment.transactions) == ("pending", [])


def test_refunds_are_recorded_with_their_positive_amount() -> None:
    document = json.loads(BODY)
    document |= {
        "status": "processing",
        "transaction_id": "",
        "refunds": [{"id": 4907, "reason": "scarf too small", "total": "-45.00"}],
    }
    payment = normalize(json.dumps(document).encode()).order.payment
    capture, refund = payment.transactions
    assert capture.reference is None  # no gateway reference: the hub makes one when it records
    assert (refund.kind, refund.amount, refund.reference, refund.at) == (
        "refund", 4500, "4907", None,
    )  # fmt: skip
