"""The return state machine, the policy check and the refund arithmetic. No I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec

from hub.domain.order import Order
from hub.domain.returns import (
    RECEIVABLE,
    TRANSITIONS,
    ReturnPolicy,
    ReturnStatus,
    outside_policy,
    refund_figures,
    returnable,
    shipped_per_line,
)
from hub.domain.settings import hub_settings

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def an_order(**more: object) -> Order:
    doc = {
        "id": "O1", "number": "H-1", "public_ref": "p", "status": "shipped", "channel": "c",
        "external_id": "1", "placed_at": "2025-05-01T00:00:00Z", "currency": "EUR",
        "received_at": "2025-05-01T00:00:00Z", "updated_at": "2025-05-01T00:00:00Z",
        "lines": [
            {"sku": "TEE", "quantity": 2, "unit_price": 2900, "discount": 580, "tax": 400},
            {"sku": "MUG", "quantity": 1, "unit_price": 1000},
        ],
        "shipping": {"price": 490, "tax": 0},
        "totals": {"subtotal": 6800, "discount": 580, "shipping": 490, "tax": 400,
                   "tax_included": False, "total": 7110},
    } | more  # fmt: skip
    return msgspec.convert(doc, Order)


def test_every_status_has_a_row_and_final_ones_go_nowhere() -> None:
    assert set(TRANSITIONS) == set(ReturnStatus)
    for final in (ReturnStatus.CLOSED, ReturnStatus.REJECTED, ReturnStatus.CANCELLED):
        assert TRANSITIONS[final] == frozenset()
    assert ReturnStatus.REQUESTED not in RECEIVABLE
    assert ReturnStatus.AUTHORISED in RECEIVABLE


def test_outside_the_window_excluded_skus_and_tags() -> None:
    policy = ReturnPolicy(window_days=14, excluded_skus=frozenset({"MUG"}),
                          excluded_tags=frozenset({"final-sale"}))  # fmt: skip
    order = an_order(tags=["final-sale"])
    reasons = outside_policy(order, {0: 1, 1: 1}, policy=policy,
                             delivered_at=NOW - timedelta(days=20), now=NOW)  # fmt: skip
    assert len(reasons) == 3 and "window ended 2025-05-26" in reasons[0]
    assert outside_policy(an_order(), {0: 1}, policy=policy, delivered_at=None, now=NOW) == []


def test_the_refund_is_net_of_discount_with_tax_less_the_fee_and_capped() -> None:
    policy = ReturnPolicy(restocking_fee_percent=10, refund_shipping=True)
    got = refund_figures(an_order(), {0: 1}, policy=policy, everything_back=False,
                         label_cost=300, refundable=10_000)  # fmt: skip
    # one of two TEE: (5800 - 580) / 2 = 2610, tax 200, fee 261, label 300 (the buyer pays)
    assert (got.goods, got.tax, got.restocking_fee, got.label_cost) == (2610, 200, 261, 300)
    assert got.amount == got.computed == 2610 + 200 - 261 - 300
    every = refund_figures(an_order(), {0: 2, 1: 1}, policy=policy, everything_back=True,
                           label_cost=0, refundable=5000)  # fmt: skip
    assert every.shipping == 490 and every.computed > 5000 and every.amount == 5000


def test_returnable_is_shipped_less_what_returns_hold() -> None:
    shipped = shipped_per_line(an_order(), {"TEE": 2})
    assert shipped == {0: 2, 1: 0}
    assert returnable(shipped, [(0, 1)]) == {0: 1, 1: 0}


def test_policy_settings_are_typed() -> None:
    settings = hub_settings({"return_window_days": 7, "restocking_fee_percent": 15,
                             "return_excluded_tags": ["final-sale"]})  # fmt: skip
    assert settings.return_policy().window_days == 7
    assert settings.return_policy().excluded_tags == frozenset({"final-sale"})
