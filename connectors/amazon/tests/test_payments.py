"""Amazon collects the money itself: an order is captured in full once it is no longer
pending, under Amazon's order id; the marketplace's orders go to fulfilment as they come."""

from __future__ import annotations

import json

from connectors.amazon import connector
from connectors.amazon.tests.fake_amazon import UNSHIPPED, fixture


def test_an_unshipped_order_is_captured_in_full() -> None:
    [reported] = connector.normalize(
        [fixture("getorders.json"), fixture("getorderitems.json")], channel="amazon-us"
    )
    [capture] = reported.order.payment.transactions
    assert (capture.kind, capture.amount, capture.currency, capture.method) == (
        "capture", 6339, "USD", "amazon",
    )  # fmt: skip
    assert capture.reference == UNSHIPPED and reported.order.payment.status == "paid"


def test_a_pending_order_is_not_taken_until_it_is_paid() -> None:
    root = json.loads(fixture("message_unshipped.json"))
    root["order"]["OrderStatus"] = "Pending"
    assert connector.normalize([json.dumps(root).encode()], channel="amazon-us") == []
    root["order"]["OrderStatus"] = "Shipped"  # it comes again once Amazon has the money
    [reported] = connector.normalize([json.dumps(root).encode()], channel="amazon-us")
    assert [t.kind for t in reported.order.payment.transactions] == ["capture"]


def test_the_marketplace_releases_without_waiting_for_money() -> None:
    assert connector.default_release_when == "always"
