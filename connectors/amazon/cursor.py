"""The polling cursor: where the last getOrders page left off.

- Between runs it is the upper bound of the last finished window, an ISO UTC time
  (``2025-03-14T17:15:00Z``); the next window starts there.
- In the middle of a window it is a JSON object ``{"after", "before", "next_token"}``, so the
  next call fetches the next page of that same window, even in a later run.
"""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

from hub.sdk import FatalError


class Window(msgspec.Struct, frozen=True, kw_only=True):
    """One LastUpdatedAfter..LastUpdatedBefore window, and the page to fetch next."""

    after: str
    before: str
    next_token: str | None = None


def iso(value: str, what: str) -> str:
    """``value`` as ISO UTC to the second with a Z (``...T17:15:00Z``), as Amazon expects."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise FatalError(f"amazon: {what} {value!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise FatalError(f"amazon: {what} {value!r} has no UTC offset")
    return parsed.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def window(cursor: str | None, *, start: str | None, until: str) -> Window:
    """The window a poll works on: a stored page, or from the last bound (or ``start``)."""
    if cursor and cursor.lstrip().startswith("{"):
        try:
            return msgspec.json.decode(cursor, type=Window)
        except msgspec.MsgspecError:
            raise FatalError("amazon: the stored cursor is not understood") from None
    if cursor:
        after = iso(cursor, "cursor")
    elif start:
        after = iso(start, "settings.start")
    else:
        raise FatalError("amazon: settings.start (ISO time) is needed for the first poll")
    return Window(after=after, before=iso(until, "until"))


def encode(page: Window) -> str:
    return msgspec.json.encode(page).decode()
