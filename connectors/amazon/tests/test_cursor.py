"""The polling cursor: a window bound between runs, a JSON page pointer inside a window."""

from __future__ import annotations

import pytest

from connectors.amazon.cursor import Window, encode, iso, window
from hub.sdk import FatalError


def test_times_are_utc_to_the_second() -> None:
    assert iso("2025-03-14T18:15:00.999+01:00", "until") == "2025-03-14T17:15:00Z"


def test_first_window_starts_at_settings_start() -> None:
    assert window(None, start="2025-03-01T00:00:00Z", until="2025-03-14T17:15:00Z") == Window(
        after="2025-03-01T00:00:00Z", before="2025-03-14T17:15:00Z"
    )


def test_a_stored_bound_wins_over_start() -> None:
    got = window("2025-03-14T17:00:00Z", start="2025-03-01T00:00:00Z", until="2025-03-14T17:15Z")
    assert got.after == "2025-03-14T17:00:00Z"


def test_a_page_pointer_keeps_its_own_window() -> None:
    page = Window(after="2025-03-14T00:00:00Z", before="2025-03-14T17:15:00Z", next_token="t")
    assert window(encode(page), start=None, until="2025-03-15T00:00:00Z") == page


@pytest.mark.parametrize("value", ["2025-03-14T17:00:00", "soon"])
def test_times_without_an_offset_are_refused(value: str) -> None:
    with pytest.raises(FatalError):
        window(value, start=None, until="2025-03-14T17:15:00Z")
