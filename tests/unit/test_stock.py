"""The stock arithmetic: what each movement kind does to a level, and what it refuses."""

from __future__ import annotations

import pytest

from hub.domain.stock import Level, MovementKind, StockRefused, apply, delta, plan_reservation

K = MovementKind


def test_available_is_on_hand_less_reserved_and_never_negative() -> None:
    assert Level(10, 3).available == 7
    assert Level(2, 5).available == 0  # oversold by a count: shown as nothing to sell


@pytest.mark.parametrize(
    ("kind", "quantity", "before", "after"),
    [
        (K.RECEIPT, 5, Level(0, 0), Level(5, 0)),
        (K.RETURN, 1, Level(5, 2), Level(6, 2)),
        (K.ADJUSTMENT, -2, Level(5, 0), Level(3, 0)),
        (K.COUNT, 7, Level(5, 1), Level(7, 1)),
        (K.COUNT, 0, Level(5, 3), Level(0, 3)),  # a count may go below what is reserved
        (K.RESERVATION, 3, Level(5, 2), Level(5, 5)),
        (K.RELEASE, 2, Level(5, 2), Level(5, 0)),
        (K.SHIPMENT, 2, Level(5, 2), Level(3, 0)),
    ],
)
def test_each_kind(kind: MovementKind, quantity: int, before: Level, after: Level) -> None:
    assert apply(kind, quantity, before) == after


@pytest.mark.parametrize(
    ("kind", "quantity", "before", "words"),
    [
        (K.RESERVATION, 4, Level(5, 2), "only 3 available"),
        (K.RELEASE, 3, Level(5, 2), "only 2 reserved"),
        (K.SHIPMENT, 3, Level(5, 2), "cannot ship 3"),
        (K.ADJUSTMENT, -6, Level(5, 0), "below zero"),
        (K.COUNT, -1, Level(5, 0), "cannot be negative"),
        (K.RECEIPT, 0, Level(5, 0), "positive quantity"),
        (K.RECEIPT, -1, Level(5, 0), "positive quantity"),
    ],
)
def test_refusals(kind: MovementKind, quantity: int, before: Level, words: str) -> None:
    with pytest.raises(StockRefused, match=words):
        delta(kind, quantity, before)


def test_reservation_plan_takes_locations_in_the_order_given() -> None:
    levels = [("a", Level(2, 1)), ("b", Level(5, 0)), ("c", Level(9, 0))]
    assert plan_reservation(4, levels) == ([("a", 1), ("b", 3)], 0)
    assert plan_reservation(20, levels) == ([("a", 1), ("b", 5), ("c", 9)], 5)
    assert plan_reservation(1, []) == ([], 1)
