"""Replenishment arithmetic against hand-computed cases (the computation in each comment)."""

from __future__ import annotations

import pytest

from hub.domain.replenishment import (
    Policy,
    StockPosition,
    Suggestion,
    by_days_of_cover,
    policy_for,
    suggest,
    whole_units,
    z_score,
)

WEEKLY_9 = Policy(lead_time_days=9, review_period_days=7)  # 95 % by default


def test_the_worked_example() -> None:
    # d = 10/day, sigma = 4/day, L = 9, R = 7, 95 % -> z = 1.644854
    # SS  = 1.644854 * 4 * sqrt(9 + 7) = 1.644854 * 16 = 26.32 -> 27
    # ROP = 10 * 9 + 26.32 = 116.32 -> 117
    # S   = 10 * 16 + 26.32 = 186.32 -> 187
    # position = 100 on hand + 20 on order - 15 reserved = 105 (<= 117: order now)
    # quantity = 187 - 105 = 82; cover = (100 - 15) / 10 = 8.5 days
    got = suggest(
        "TEE", "main", 10, 4, WEEKLY_9, StockPosition(on_hand=100, on_order=20, reserved=15)
    )
    assert got == Suggestion(
        sku="TEE",
        location="main",
        demand_per_day=10,
        safety_stock=27,
        reorder_point=117,
        order_up_to=187,
        position=105,
        quantity=82,
        reorder_now=True,
        days_of_cover=8.5,
    )


def test_a_higher_service_level_and_a_slow_mover() -> None:
    # d = 0.5/day, sigma = 1.2/day, L = 14, R = 14, 99 % -> z = 2.326348
    # SS  = 2.326348 * 1.2 * sqrt(28) = 2.326348 * 1.2 * 5.291503 = 14.77 -> 15
    # ROP = 0.5 * 14 + 14.77 = 21.77 -> 22
    # S   = 0.5 * 28 + 14.77 = 28.77 -> 29
    # position = 30 + 0 - 0 = 30 > 22: nothing due; quantity = max(29 - 30, 0) = 0
    # cover = 30 / 0.5 = 60 days
    policy = Policy(lead_time_days=14, review_period_days=14, service_level=0.99)
    got = suggest("MUG", "main", 0.5, 1.2, policy, StockPosition(on_hand=30))
    assert (got.safety_stock, got.reorder_point, got.order_up_to) == (15, 22, 29)
    assert (got.position, got.quantity, got.reorder_now, got.days_of_cover) == (30, 0, False, 60)


def test_oversold_stock_counts_against_the_position() -> None:
    # d = 2/day, sigma = 0 (a perfect forecast), L = 3, R = 4
    # SS = 0; ROP = 2 * 3 = 6; S = 2 * 7 = 14
    # position = 5 on hand + 0 on order - 8 reserved = -3: buy 14 - (-3) = 17
    # cover = max(5 - 8, 0) / 2 = 0 days
    policy = Policy(lead_time_days=3, review_period_days=4)
    got = suggest("CAP", "3pl", 2, 0, policy, StockPosition(on_hand=5, reserved=8))
    assert (got.safety_stock, got.reorder_point, got.order_up_to) == (0, 6, 14)
    assert (got.position, got.quantity, got.days_of_cover, got.reorder_now) == (-3, 17, 0.0, True)


def test_open_purchase_orders_are_not_suggested_twice() -> None:
    # as the worked example, with 82 more on order: position = 187 = S, quantity 0
    stock = StockPosition(on_hand=100, on_order=102, reserved=15)
    got = suggest("TEE", "main", 10, 4, WEEKLY_9, stock)
    assert (got.position, got.quantity, got.reorder_now) == (187, 0, False)


def test_no_demand_needs_nothing_and_has_no_days_of_cover() -> None:
    got = suggest("OLD", "main", 0, 0, WEEKLY_9, StockPosition(on_hand=4))
    assert (got.safety_stock, got.reorder_point, got.order_up_to, got.quantity) == (0, 0, 0, 0)
    assert got.days_of_cover is None and not got.reorder_now


def test_fifty_percent_service_keeps_no_safety_stock_and_units_round_up_without_float_noise() -> (
    None
):
    # z(0.5) = 0; d = 0.1/day over L + R = 30 days = 3 units (0.1 * 30 is 3.0000000000000004)
    policy = Policy(lead_time_days=20, review_period_days=10, service_level=0.5)
    got = suggest("PIN", "main", 0.1, 5, policy, StockPosition(on_hand=0))
    assert (got.safety_stock, got.order_up_to, got.reorder_point, got.quantity) == (0, 3, 2, 3)
    assert whole_units(0.1 * 30) == 3 and whole_units(3.0001) == 4


def test_z_scores_and_bad_inputs() -> None:
    assert z_score(0.95) == pytest.approx(1.644854, abs=1e-6)
    assert z_score(0.5) == 0
    for bad in (0.4, 1.0):
        with pytest.raises(ValueError, match="service level"):
            z_score(bad)
    with pytest.raises(ValueError, match="not negative"):
        suggest("X", "main", -1, 0, WEEKLY_9, StockPosition(on_hand=0))


def test_the_sku_policy_overrides_the_supplier_default_field_by_field() -> None:
    supplier = Policy(lead_time_days=21, review_period_days=7)
    assert policy_for(supplier) == supplier
    assert policy_for(supplier, lead_time_days=5, service_level=0.9) == Policy(
        lead_time_days=5, review_period_days=7, service_level=0.9
    )
    assert policy_for(supplier, review_period_days=0).review_period_days == 0


def test_sorted_by_days_of_cover_with_no_demand_last() -> None:
    stock = StockPosition(on_hand=10)
    rows = [
        suggest("A", "main", 1, 0, WEEKLY_9, stock),  # 10 days
        suggest("B", "main", 0, 0, WEEKLY_9, stock),  # no demand
        suggest("C", "main", 5, 0, WEEKLY_9, stock),  # 2 days
    ]
    assert [s.sku for s in by_days_of_cover(rows)] == ["C", "A", "B"]
