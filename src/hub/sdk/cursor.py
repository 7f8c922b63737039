"""The polling window: the cursor a polling connector hands back to the hub after each page.

A poll reads the orders changed in one window of time, from the last run's upper bound (or
``settings.start`` the first time) up to ``until`` (the time the run started, less a small
look-back for clock skew; the hub computes it). The hub stores the cursor a page returns in
the same transaction as the page's messages and hands it back next time. It is one of:

- between runs, the upper bound of the last finished window, in the partner's time format
  (``2025-03-14T17:15:00Z``); the next window starts there;
- in the middle of a window, a JSON object (the partner's page Struct: the window's bounds
  and where the next page starts, a token or an offset), so the next call fetches the next
  page of that same window, even in a later run.

A connector describes its page once and lets ``WindowCursor`` read and write cursors::

    class Window(msgspec.Struct, frozen=True, kw_only=True):
        after: str
        before: str
        next_token: str | None = None

    CURSOR = WindowCursor("amazon", Window, opens=lambda a, b: Window(after=a, before=b))
    window = CURSOR.window(cursor, start=settings.start, until=until)

A time without a UTC offset, a cursor that is no time nor page, and a first poll without a
start are ``FatalError`` (naming the partner, the setting and the value, no secret).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

import msgspec

from hub.sdk.errors import FatalError

Page = TypeVar("Page", bound=msgspec.Struct)


def utc_seconds(moment: datetime) -> str:
    """UTC to the second with a Z: ``2025-03-14T17:15:00Z`` (Amazon's format)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_millis(moment: datetime) -> str:
    """UTC to the millisecond with a Z: ``2025-03-14T17:15:00.000Z`` (eBay's format)."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass(frozen=True, slots=True)
class WindowCursor(Generic[Page]):
    """Reads and writes one partner's polling cursor.

    ``page`` is the Struct a mid-window cursor decodes to; ``opens`` makes a fresh window
    (its first page) from a lower and an upper bound already in ``time_format``.
    """

    partner: str  # names the connector in errors
    page: type[Page]
    opens: Callable[[str, str], Page]
    time_format: Callable[[datetime], str] = utc_seconds

    def time(self, value: str | datetime, what: str) -> str:
        """``value`` (ISO 8601 text or an aware datetime) in the partner's UTC format."""
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value.strip())
            except ValueError:
                raise FatalError(
                    f"{self.partner}: {what} {value!r} is not an ISO 8601 time"
                ) from None
        if value.tzinfo is None:
            raise FatalError(f"{self.partner}: {what} {value.isoformat()!r} has no UTC offset")
        return self.time_format(value)

    def window(self, cursor: str | None, *, start: str | datetime | None, until: str) -> Page:
        """The window a poll works on: a stored page, or from the last bound (or ``start``)
        up to ``until``."""
        if cursor and cursor.lstrip().startswith("{"):
            try:
                return msgspec.json.decode(cursor, type=self.page)
            except msgspec.MsgspecError:
                raise FatalError(f"{self.partner}: the stored cursor is not understood") from None
        if cursor:
            lower = self.time(cursor, "cursor")
        elif start:
            lower = self.time(start, "settings.start")
        else:
            raise FatalError(
                f"{self.partner}: settings.start (ISO time) is needed for the first poll"
            )
        return self.opens(lower, self.time(until, "until"))

    def encode(self, page: Page) -> str:
        """The cursor that resumes at ``page``."""
        return msgspec.json.encode(page).decode()
