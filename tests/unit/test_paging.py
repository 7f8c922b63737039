"""The cursor of a list: opaque, bound to its list, and a page knows whether one follows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.api.paging import BadCursor, Listing, PageAsk

ORDERS: Listing[tuple[datetime, str]] = Listing("orders-placed_at", tuple[datetime, str])
NUMBERS: Listing[tuple[int]] = Listing("numbers", tuple[int])


def test_a_cursor_gives_back_its_key_and_shows_nothing_of_it() -> None:
    key = (datetime(2025, 3, 14, 9, 22, 30, 120000, tzinfo=UTC), "01JQ7Z4W0YF0J8Q2N1V3X5B7C9")
    cursor = ORDERS.cursor(key)
    assert ORDERS.after(cursor) == key
    assert "2025" not in cursor and "=" not in cursor  # opaque, and safe in a URL
    assert ORDERS.after(None) is None


@pytest.mark.parametrize(
    "cursor",
    ["", "not a cursor", "%%%", NUMBERS.cursor((3,)), Listing("orders-placed_at", str).cursor("x")],
)
def test_anything_else_is_refused_naming_cursor(cursor: str) -> None:
    with pytest.raises(BadCursor) as caught:
        ORDERS.after(cursor)
    assert caught.value.status == 400
    assert [e.field for e in caught.value.errors] == ["cursor"]


def test_a_page_has_a_next_cursor_only_when_more_rows_came_back() -> None:
    ask = PageAsk(cursor=None, limit=2)
    assert ask.fetch == 3
    full = NUMBERS.page([1, 2, 3], ask, key=lambda n: (n,), show=str)
    assert full.items == ["1", "2"] and NUMBERS.after(full.next_cursor) == (2,)
    last = NUMBERS.page([1, 2], ask, key=lambda n: (n,), show=str)
    assert last.items == ["1", "2"] and last.next_cursor is None
    assert NUMBERS.page([], ask, key=lambda n: (n,), show=str).next_cursor is None


def test_a_list_in_memory_pages_the_same_way() -> None:
    numbers = list(range(1, 6))
    seen, cursor = [], None
    for _ in range(5):
        page = NUMBERS.page_of(numbers, PageAsk(cursor, 2), key=lambda n: (n,))
        seen += page.items
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == numbers
