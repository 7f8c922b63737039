"""The polling cursor: where the last getOrders page left off (``hub.sdk.WindowCursor``).

- Between runs it is the upper bound of the last finished window, an ISO UTC time
  (``2025-03-14T17:15:00Z``); the next window starts there.
- In the middle of a window it is a JSON object ``{"after", "before", "next_token"}``, so the
  next call fetches the next page of that same window, even in a later run.
"""

from __future__ import annotations

import msgspec

from hub.sdk import WindowCursor


class Window(msgspec.Struct, frozen=True, kw_only=True):
    """One LastUpdatedAfter..LastUpdatedBefore window, and the page to fetch next."""

    after: str
    before: str
    next_token: str | None = None


CURSOR = WindowCursor(
    "amazon", Window, opens=lambda after, before: Window(after=after, before=before)
)
#: ``iso(value, what)``: ISO UTC to the second with a Z (``...T17:15:00Z``), as Amazon expects
iso = CURSOR.time
#: ``window(cursor, start=..., until=...)``: a stored page, or from the last bound (or start)
window = CURSOR.window
encode = CURSOR.encode
