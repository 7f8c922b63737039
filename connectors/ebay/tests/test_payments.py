"""What eBay reports of an order's money: ``paymentSummary``'s payments and refunds."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from connectors.ebay.tests.test_normalize import FIXTURES, normalize, variant
from hub.sdk import MappingError


def test_a_paid_order_is_one_capture_with_ebays_reference() -> None:
    [first] = normalize((FIXTURES / "getorders.json").read_bytes())
    [capture] = first.order.payment.transactions
    assert (capture.kind, capture.amount, capture.currency, capture.status) == (
        "capture", 9579, "EUR", "succeeded",
    )  # fmt: skip
    assert (capture.method, capture.reference) == ("EBAY", "5RK20834VK1234567")
    assert capture.at == datetime(2025, 3, 14, 9, 21, 46, tzinfo=UTC)


def test_a_refunded_order_has_its_payment_and_its_refund() -> None:
    refunded = normalize((FIXTURES / "getorders_page2.json").read_bytes())[0].order.payment
    assert refunded.status == "refunded"
    assert [(t.kind, t.amount, t.reference) for t in refunded.transactions] == [
        ("capture", 4499, "5RK20834VK7654321"),
        ("refund", 4499, "5001234567"),
    ]


def test_a_pending_payment_is_pending_and_an_unknown_one_an_error() -> None:
    summary = json.loads((FIXTURES / "getorders.json").read_bytes())["orders"][0]["paymentSummary"]
    summary["payments"][0]["paymentStatus"] = "PENDING"
    [reported] = normalize(variant(paymentSummary=summary, orderPaymentStatus="PENDING"))
    assert [t.status for t in reported.order.payment.transactions] == ["pending"]
    summary["payments"][0]["paymentStatus"] = "ON_HOLD"
    with pytest.raises(MappingError) as err:
        normalize(variant(paymentSummary=summary))
    assert "transactions[0].status" in str(err.value)
