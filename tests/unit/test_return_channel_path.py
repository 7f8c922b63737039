"""hub.domain.returns.channel_path: how a channel's reported state moves a hub return."""

from __future__ import annotations

import pytest

from hub.domain.returns import ReturnStatus as R
from hub.domain.returns import channel_path


@pytest.mark.parametrize(
    ("current", "target", "path"),
    [
        (R.REQUESTED, R.REQUESTED, []),  # the same report again
        (R.AUTHORISED, R.REQUESTED, []),  # a late report of an earlier state
        (R.REQUESTED, R.AUTHORISED, [R.AUTHORISED]),
        (R.REQUESTED, R.IN_TRANSIT, [R.AUTHORISED, R.IN_TRANSIT]),
        (R.REQUESTED, R.REJECTED, [R.REJECTED]),
        (R.AUTHORISED, R.CANCELLED, [R.CANCELLED]),
        (R.RECEIVED, R.CLOSED, [R.CLOSED]),
        (R.REFUNDED, R.CLOSED, [R.CLOSED]),
        (R.CLOSED, R.CLOSED, []),
        (R.REJECTED, R.CLOSED, []),
    ],
)
def test_a_channel_moves_a_return_forward_only(current: R, target: R, path: list[R]) -> None:
    assert channel_path(current, target) == path


@pytest.mark.parametrize(
    ("current", "target"),
    [(R.REQUESTED, R.CLOSED), (R.AUTHORISED, R.CLOSED), (R.AUTHORISED, R.REJECTED),
     (R.IN_TRANSIT, R.CANCELLED), (R.CLOSED, R.CANCELLED)],
)  # fmt: skip
def test_a_move_the_table_does_not_allow_is_none(current: R, target: R) -> None:
    assert channel_path(current, target) is None
