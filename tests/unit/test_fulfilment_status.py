"""Fulfilment and parcel statuses: their tables, and how parcels move fulfilments and orders."""

from __future__ import annotations

import itertools

import pytest

from hub.domain.fulfilment import (
    FULFILMENT_TRANSITIONS,
    PARCEL_ENDS,
    PARCEL_TRANSITIONS,
    STILL_OPEN,
    FulfilmentState,
    FulfilmentStatus,
    ParcelStatus,
    Progress,
    follow,
    fulfilment_status,
    order_steps,
    order_target,
    require_fulfilment_move,
    require_parcel_move,
)
from hub.domain.lifecycle import OrderStatus, TransitionRefused, can_move
from hub.sdk import TRACKING_STATUSES

F = FulfilmentStatus
P = ParcelStatus
S = OrderStatus


def state(
    status: F = F.ACCEPTED, lines: tuple[tuple[int, int], ...] = ((2, 0),), *parcels: P
) -> FulfilmentState:
    return FulfilmentState("f1", status, lines, parcels)


# --- the tables -------------------------------------------------------------------------------


def test_every_status_has_a_row() -> None:
    assert set(FULFILMENT_TRANSITIONS) == set(F)
    assert set(PARCEL_TRANSITIONS) == set(P)


def test_parcel_statuses_are_the_sdk_tracking_statuses() -> None:
    assert {s.value for s in P} == set(TRACKING_STATUSES)


def test_still_open_is_what_is_neither_shipped_nor_ended() -> None:
    assert STILL_OPEN == {F.OPEN, F.ACCEPTED, F.PARTIALLY_SHIPPED}
    assert all(FULFILMENT_TRANSITIONS[s] for s in STILL_OPEN)
    assert FULFILMENT_TRANSITIONS[F.DELIVERED] == FULFILMENT_TRANSITIONS[F.CANCELLED] == set()


def test_the_fulfilment_happy_paths_are_allowed() -> None:
    for path in (
        [F.OPEN, F.ACCEPTED, F.PARTIALLY_SHIPPED, F.SHIPPED, F.DELIVERED],
        [F.OPEN, F.SHIPPED],  # the own warehouse: no partner to accept it
        [F.ACCEPTED, F.CANCELLED],
        [F.PARTIALLY_SHIPPED, F.CANCELLED],  # the partner cancels what is left
    ):
        for current, target in itertools.pairwise(path):
            require_fulfilment_move(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (F.DELIVERED, F.SHIPPED),
        (F.SHIPPED, F.PARTIALLY_SHIPPED),
        (F.SHIPPED, F.CANCELLED),
        (F.CANCELLED, F.OPEN),
        (F.ACCEPTED, F.OPEN),
    ],
)
def test_forbidden_fulfilment_moves_are_refused(current: F, target: F) -> None:
    with pytest.raises(TransitionRefused) as err:
        require_fulfilment_move(current, target)
    assert str(err.value).startswith(f"a fulfilment that is {current} cannot become {target}")


def test_a_parcel_on_its_way_may_move_anywhere_and_an_ended_one_nowhere() -> None:
    require_parcel_move(P.IN_TRANSIT, P.PRE_TRANSIT)  # the carrier's first scan comes late
    require_parcel_move(P.EXCEPTION, P.IN_TRANSIT)
    require_parcel_move(P.UNKNOWN, P.DELIVERED)
    assert PARCEL_ENDS == {P.DELIVERED, P.RETURNED_TO_SENDER, P.CANCELLED}
    for end in PARCEL_ENDS:
        with pytest.raises(TransitionRefused, match=f"a parcel that is {end} cannot become"):
            require_parcel_move(end, P.IN_TRANSIT)


# --- parcels -> fulfilment --------------------------------------------------------------------


def test_nothing_shipped_leaves_the_fulfilment_as_it_is() -> None:
    assert fulfilment_status(state(F.OPEN)) == F.OPEN
    assert fulfilment_status(state(F.ACCEPTED, ((2, 0), (1, 0)))) == F.ACCEPTED


def test_some_units_shipped_is_partially_shipped() -> None:
    assert fulfilment_status(state(F.ACCEPTED, ((2, 1),), P.IN_TRANSIT)) == F.PARTIALLY_SHIPPED
    # a whole line of two shipped, the other not
    got = fulfilment_status(state(F.OPEN, ((2, 2), (1, 0)), P.DELIVERED))
    assert got == F.PARTIALLY_SHIPPED  # delivered needs every unit shipped


def test_every_unit_shipped_is_shipped_until_every_parcel_is_delivered() -> None:
    lines = ((2, 2), (1, 1))
    assert fulfilment_status(state(F.ACCEPTED, lines, P.IN_TRANSIT)) == F.SHIPPED
    assert fulfilment_status(state(F.SHIPPED, lines, P.DELIVERED, P.IN_TRANSIT)) == F.SHIPPED
    assert fulfilment_status(state(F.SHIPPED, lines, P.DELIVERED, P.DELIVERED)) == F.DELIVERED


def test_a_parcel_delivered_at_once_delivers_an_open_fulfilment() -> None:
    assert fulfilment_status(state(F.OPEN, ((1, 1),), P.DELIVERED)) == F.DELIVERED


@pytest.mark.parametrize("trouble", [P.EXCEPTION, P.RETURNED_TO_SENDER, P.UNKNOWN, P.CANCELLED])
def test_a_parcel_in_trouble_keeps_the_fulfilment_shipped(trouble: P) -> None:
    assert fulfilment_status(state(F.SHIPPED, ((2, 2),), P.DELIVERED, trouble)) == F.SHIPPED


def test_a_cancelled_fulfilment_stays_cancelled_whatever_ships() -> None:
    assert fulfilment_status(state(F.CANCELLED, ((1, 1),), P.DELIVERED)) == F.CANCELLED


def test_a_status_never_moves_back() -> None:
    # a further parcel, still in transit, on a fulfilment already delivered
    assert fulfilment_status(state(F.DELIVERED, ((1, 1),), P.DELIVERED, P.IN_TRANSIT)) == (
        F.DELIVERED
    )


# --- fulfilments -> order ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fulfilments", "target"),
    [
        ([F.ACCEPTED, F.OPEN], S.RELEASED),
        ([F.PARTIALLY_SHIPPED, F.OPEN], S.PARTIALLY_SHIPPED),
        ([F.SHIPPED, F.ACCEPTED], S.PARTIALLY_SHIPPED),  # a split: one location shipped
        ([F.SHIPPED, F.DELIVERED], S.SHIPPED),
        ([F.DELIVERED, F.DELIVERED], S.DELIVERED),
        ([F.DELIVERED, F.CANCELLED], S.DELIVERED),  # cancelled fulfilments do not count
        ([F.CANCELLED], S.RELEASED),  # nothing live: the order stays (and is flagged)
    ],
)
def test_the_order_adds_up_its_live_fulfilments(fulfilments: list[F], target: S) -> None:
    assert order_target(S.RELEASED, fulfilments) == target


@pytest.mark.parametrize("current", [S.ACCEPTED, S.ALLOCATED, S.ON_HOLD, S.CANCELLED, S.CLOSED])
def test_an_order_not_released_does_not_follow(current: S) -> None:
    assert order_target(current, [F.DELIVERED]) == current


@pytest.mark.parametrize(
    ("current", "target", "steps"),
    [
        (S.RELEASED, S.PARTIALLY_SHIPPED, [S.PARTIALLY_SHIPPED]),
        (S.RELEASED, S.SHIPPED, [S.SHIPPED]),
        (S.RELEASED, S.DELIVERED, [S.SHIPPED, S.DELIVERED]),
        (S.PARTIALLY_SHIPPED, S.DELIVERED, [S.SHIPPED, S.DELIVERED]),
        (S.SHIPPED, S.SHIPPED, []),
        (S.DELIVERED, S.SHIPPED, []),  # never back
        (S.CANCELLED, S.SHIPPED, []),
    ],
)
def test_order_steps_walk_the_order_table(current: S, target: S, steps: list[S]) -> None:
    got = order_steps(current, target)
    assert got == steps
    for before, after in itertools.pairwise([current, *got]):
        assert can_move(before, after)


def test_follow_moves_fulfilments_and_then_the_order() -> None:
    split = [
        FulfilmentState("a", F.ACCEPTED, ((1, 1),), (P.DELIVERED,)),
        FulfilmentState("b", F.SHIPPED, ((2, 2),), (P.DELIVERED, P.DELIVERED)),
        FulfilmentState("c", F.CANCELLED, ((1, 0),)),
    ]
    assert follow(S.PARTIALLY_SHIPPED, split) == Progress(
        {"a": F.DELIVERED, "b": F.DELIVERED}, [S.SHIPPED, S.DELIVERED]
    )
    assert follow(S.RELEASED, [FulfilmentState("a", F.OPEN, ((1, 0),))]) == Progress()
