"""The order state machine's table."""

from __future__ import annotations

import itertools

import pytest

from hub.domain.lifecycle import (
    HOLDABLE,
    TRANSITIONS,
    OrderStatus,
    TransitionRefused,
    can_move,
    release_target,
    require_move,
)

S = OrderStatus


def test_every_status_has_a_row() -> None:
    assert set(TRANSITIONS) == set(OrderStatus)


def test_the_happy_path_is_allowed() -> None:
    path = [
        S.RECEIVED,
        S.ACCEPTED,
        S.ALLOCATED,
        S.RELEASED,
        S.PARTIALLY_SHIPPED,
        S.SHIPPED,
        S.DELIVERED,
        S.CLOSED,
    ]
    for current, target in itertools.pairwise(path):
        require_move(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.SHIPPED, S.CANCELLED),  # something left the building
        (S.PARTIALLY_SHIPPED, S.CANCELLED),
        (S.DELIVERED, S.RECEIVED),
        (S.CANCELLED, S.ACCEPTED),
        (S.CLOSED, S.RECEIVED),
        (S.RECEIVED, S.SHIPPED),  # no skipping allocation and release
        (S.ACCEPTED, S.DELIVERED),
        (S.RELEASED, S.ON_HOLD),  # the warehouse has it; hold it there, not here
    ],
)
def test_forbidden_moves_are_refused_with_the_allowed_ones(
    current: OrderStatus, target: OrderStatus
) -> None:
    assert not can_move(current, target)
    with pytest.raises(TransitionRefused) as err:
        require_move(current, target)
    for allowed in TRANSITIONS[current]:
        assert allowed in str(err.value)


def test_closed_is_final() -> None:
    assert TRANSITIONS[S.CLOSED] == frozenset()


def test_release_returns_to_the_status_held_from() -> None:
    assert HOLDABLE == {S.RECEIVED, S.ACCEPTED, S.ALLOCATED}
    for status in HOLDABLE:
        assert release_target(status) == status
        assert can_move(S.ON_HOLD, release_target(status))
    assert release_target(None) == S.RECEIVED
