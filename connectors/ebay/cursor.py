"""The polling cursor: which ``lastmodifieddate`` window is being read, and from which offset.

Read and written by ``hub.sdk.WindowCursor``:

- Between runs it is the upper bound of the last finished window, as eBay writes times
  (``2025-03-14T10:00:00.000Z``); the next window starts there. eBay's bounds are inclusive,
  so an order modified exactly at a bound is fetched twice and kept once (same dedupe key).
- In the middle of a window it is a JSON object ``{"since", "until", "offset", "total"}``,
  so the next call reads the next page of that same window, even in a later run.

Offset paging over a moving set can skip: an order modified while its window is being paged
leaves the window (its new time is after ``until``; the next window has it) and every order
behind it moves one place forward. ``total`` is kept to notice that: when it shrinks, the
next page starts that many places earlier. Orders cannot enter a window whose upper bound
is in the past, so this ends.
"""

from __future__ import annotations

import msgspec

from hub.sdk import WindowCursor, utc_millis


class Window(msgspec.Struct, frozen=True, kw_only=True):
    """One ``lastmodifieddate:[since..until]`` window, and the page of it to fetch next."""

    since: str
    until: str
    offset: int = 0
    total: int | None = None  # the window's size as eBay last reported it

    @property
    def filter(self) -> str:
        return f"lastmodifieddate:[{self.since}..{self.until}]"

    @property
    def empty(self) -> bool:
        """Nothing can be asked yet: the window starts at or after its end."""
        return self.offset == 0 and self.since >= self.until


CURSOR = WindowCursor(
    "ebay",
    Window,
    opens=lambda since, until: Window(since=since, until=until),
    time_format=utc_millis,
)
#: ``ebay_time(value, what)``: eBay's UTC time to the millisecond (``...T10:00:00.000Z``)
ebay_time = CURSOR.time
#: ``window(cursor, start=..., until=...)``: a stored page, or from the last bound (or start)
window = CURSOR.window
encode = CURSOR.encode


def following(
    current: Window, *, returned: int, total: int | None, has_next: bool
) -> Window | None:
    """The page after ``current`` that returned ``returned`` orders, or None at the window's end.

    ``total`` is the window's size in this answer and ``has_next`` whether eBay gave a
    ``next`` link. A shrunken total moves the next page back by the shrinkage (see above).
    """
    shrunk = max(0, current.total - total) if current.total is not None and total is not None else 0
    if shrunk and current.offset > 0:
        # orders left the window since the last page: some may have moved to before this
        # page's offset unseen; read again from that far back
        return Window(
            since=current.since,
            until=current.until,
            offset=max(0, current.offset - shrunk),
            total=total,
        )
    offset = current.offset + returned
    more = returned > 0 and (has_next or (total is not None and offset < total))
    if not more:
        return None
    return Window(since=current.since, until=current.until, offset=offset, total=total)
