"""The polling cursor on its own: eBay's time format, windows, and the page after a page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.ebay.cursor import Window, ebay_time, encode, following, window
from hub.sdk import FatalError

UNTIL = "2025-03-14T10:00:00.000Z"


def page(offset: int = 0, total: int | None = None) -> Window:
    return Window(since="2025-03-14T09:00:00.000Z", until=UNTIL, offset=offset, total=total)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-03-14T10:00:00Z", "2025-03-14T10:00:00.000Z"),
        ("2025-03-14T10:00:00.987654Z", "2025-03-14T10:00:00.987Z"),
        ("2025-03-14T11:30:00+01:30", "2025-03-14T10:00:00.000Z"),
        (datetime(2025, 3, 14, 10, tzinfo=UTC), "2025-03-14T10:00:00.000Z"),
    ],
)
def test_ebay_time_is_utc_to_the_millisecond(value: str | datetime, expected: str) -> None:
    assert ebay_time(value, "x") == expected


@pytest.mark.parametrize("value", ["2025-03-14T10:00:00", "soon", datetime(2025, 3, 14)])
def test_a_time_without_offset_or_not_a_time_is_fatal(value: str | datetime) -> None:
    with pytest.raises(FatalError):
        ebay_time(value, "settings.start")


def test_a_stored_page_is_resumed_as_it_was() -> None:
    stored = page(offset=100, total=230)
    assert window(encode(stored), start=None, until="2025-03-15T00:00:00Z") == stored


def test_a_bound_cursor_opens_the_next_window() -> None:
    bound = "2025-03-14T09:30:00.000Z"
    opened = window(bound, start=None, until=UNTIL)
    assert opened == Window(since=bound, until=UNTIL)
    assert opened.filter == f"lastmodifieddate:[{bound}..{UNTIL}]"


def test_following_moves_on_by_what_was_returned() -> None:
    assert following(page(), returned=50, total=120, has_next=True) == page(50, 120)
    assert following(page(100, 120), returned=20, total=120, has_next=False) is None


def test_following_trusts_total_when_next_is_missing() -> None:
    assert following(page(), returned=50, total=120, has_next=False) == page(50, 120)


def test_an_empty_page_ends_the_window() -> None:
    assert following(page(50, 120), returned=0, total=120, has_next=True) is None


def test_a_shrunk_total_steps_back_by_the_shrinkage() -> None:
    assert following(page(50, 120), returned=50, total=117, has_next=True) == page(47, 117)
    assert following(page(2, 120), returned=0, total=110, has_next=False) == page(0, 110)


def test_a_shrunk_total_on_the_first_page_changes_nothing() -> None:
    assert following(page(0, 120), returned=50, total=117, has_next=True) == page(50, 117)
