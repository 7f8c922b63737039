"""hub.sdk.WindowCursor on its own: bounds in a partner's format, pages kept as JSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import msgspec
import pytest

from hub.sdk import FatalError, WindowCursor, utc_millis, utc_seconds

UNTIL = "2025-03-14T17:15:00Z"


class Page(msgspec.Struct, frozen=True, kw_only=True):
    lower: str
    upper: str
    token: str | None = None


ACME = WindowCursor("acme", Page, opens=lambda lower, upper: Page(lower=lower, upper=upper))
MILLIS = WindowCursor(
    "acme", Page, opens=lambda lo, up: Page(lower=lo, upper=up), time_format=utc_millis
)


@pytest.mark.parametrize(
    ("value", "seconds", "millis"),
    [
        ("2025-03-14T17:15:00Z", "2025-03-14T17:15:00Z", "2025-03-14T17:15:00.000Z"),
        ("2025-03-14T18:15:00.987654+01:00", "2025-03-14T17:15:00Z", "2025-03-14T17:15:00.987Z"),
        (" 2025-03-14T17:15Z ", "2025-03-14T17:15:00Z", "2025-03-14T17:15:00.000Z"),
        (
            datetime(2025, 3, 14, 12, 15, tzinfo=timezone(timedelta(hours=-5))),
            "2025-03-14T17:15:00Z",
            "2025-03-14T17:15:00.000Z",
        ),
    ],
)
def test_times_are_utc_in_the_partners_format(
    value: str | datetime, seconds: str, millis: str
) -> None:
    assert ACME.time(value, "x") == seconds
    assert MILLIS.time(value, "x") == millis


def test_the_formats_on_their_own() -> None:
    moment = datetime(2025, 3, 14, 17, 15, 0, 5_000, tzinfo=UTC)
    assert (utc_seconds(moment), utc_millis(moment)) == (
        "2025-03-14T17:15:00Z",
        "2025-03-14T17:15:00.005Z",
    )


@pytest.mark.parametrize("value", ["2025-03-14T17:00:00", "soon", "", datetime(2025, 3, 14)])
def test_a_time_without_an_offset_or_not_a_time_is_fatal_naming_the_partner(
    value: str | datetime,
) -> None:
    with pytest.raises(FatalError, match=r"^acme: settings\.start "):
        ACME.time(value, "settings.start")


def test_the_first_window_runs_from_start_to_until() -> None:
    assert ACME.window(None, start="2025-03-01T00:00:00Z", until=UNTIL) == Page(
        lower="2025-03-01T00:00:00Z", upper=UNTIL
    )
    start = datetime(2025, 3, 1, tzinfo=UTC)
    assert ACME.window(None, start=start, until=UNTIL).lower == "2025-03-01T00:00:00Z"


def test_a_stored_bound_wins_over_start() -> None:
    opened = ACME.window("2025-03-14T17:00:00Z", start="2025-03-01T00:00:00Z", until=UNTIL)
    assert opened == Page(lower="2025-03-14T17:00:00Z", upper=UNTIL)


def test_a_stored_page_resumes_its_own_window_whatever_until_is_now() -> None:
    page = Page(lower="2025-03-14T00:00:00Z", upper=UNTIL, token="next-7")
    cursor = ACME.encode(page)
    assert msgspec.json.decode(cursor) == {
        "lower": "2025-03-14T00:00:00Z",
        "upper": UNTIL,
        "token": "next-7",
    }
    assert ACME.window(cursor, start=None, until="2025-03-15T00:00:00Z") == page
    assert ACME.window("  " + cursor, start=None, until="2025-03-15T00:00:00Z") == page


@pytest.mark.parametrize(
    ("cursor", "start", "reason"),
    [
        (None, None, "settings.start .* is needed for the first poll"),
        ("", "", "settings.start .* is needed for the first poll"),
        ('{"lower": 1}', None, "the stored cursor is not understood"),
        ("{not json", None, "the stored cursor is not understood"),
        ("yesterday", None, "cursor 'yesterday' is not an ISO 8601 time"),
    ],
)
def test_what_cannot_open_a_window_is_fatal(
    cursor: str | None, start: str | None, reason: str
) -> None:
    with pytest.raises(FatalError, match=f"^acme: {reason}"):
        ACME.window(cursor, start=start, until=UNTIL)


def test_an_until_without_an_offset_is_fatal() -> None:
    with pytest.raises(FatalError, match="until"):
        ACME.window(None, start="2025-03-01T00:00:00Z", until="2025-03-14T17:15:00")
