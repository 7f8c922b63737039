"""One paging style for every list: ``cursor`` and ``limit`` in, ``{items, next_cursor}`` out.

A handler takes ``page: NamedDependency[PageAsk]`` (the ``cursor`` and ``limit`` query
parameters, through the app-wide ``page`` dependency), reads the key to start after from
its ``Listing``, asks its service for ``page.fetch`` rows (one more than a page, which
says whether there is a next one) and returns ``listing.page(rows, page, key=..., show=...)``.

The cursor is opaque to clients: URL-safe base64 of the list's name and the sort key of
the last item. A cursor belongs to one list and one sort order; any other string is a 400
naming ``cursor``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

import msgspec
from litestar.params import QueryParameter

from hub.domain.order import FieldError
from hub.errors import HubError

T = TypeVar("T")
R = TypeVar("R")
K = TypeVar("K", bound=tuple[Any, ...])

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


class Page(msgspec.Struct, Generic[T]):
    """A page of a list; ``next_cursor`` is None on the last page."""

    items: list[T]
    next_cursor: str | None = None


class PageAsk(msgspec.Struct, frozen=True):
    """What a client asked for: where to start and how many items."""

    cursor: str | None
    limit: int

    @property
    def fetch(self) -> int:
        """How many rows to read: one more than a page."""
        return self.limit + 1


def page_ask(
    cursor: Annotated[
        str | None,
        QueryParameter(
            max_length=1000, description="`next_cursor` of the previous page; absent: the first"
        ),
    ] = None,
    limit: Annotated[
        int,
        QueryParameter(ge=1, le=MAX_LIMIT, description=f"items per page (1 to {MAX_LIMIT})"),
    ] = DEFAULT_LIMIT,
) -> PageAsk:
    """The ``page`` dependency: every list takes ``cursor`` and ``limit`` this way."""
    return PageAsk(cursor=cursor, limit=limit)


_CURSOR = msgspec.json.Decoder(tuple[str, msgspec.Raw])


class BadCursor(HubError):
    status = 400
    title = "Bad request"


class Listing(Generic[K]):
    """The cursor of one list (and sort order): ``name`` tells lists apart, ``key`` is the
    type of its sort key, e.g. ``tuple[datetime, str]``."""

    def __init__(self, name: str, key: Any) -> None:
        self.name = name
        self._key = msgspec.json.Decoder(key)

    def cursor(self, key: K) -> str:
        raw = msgspec.json.encode((self.name, key))
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    def after(self, cursor: str | None) -> K | None:
        """The key a cursor holds; None for no cursor (the first page)."""
        if cursor is None:
            return None
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            name, key = _CURSOR.decode(raw)
        except (binascii.Error, ValueError, msgspec.DecodeError):
            raise _bad_cursor("is not a cursor this API gave out") from None
        if name != self.name:
            raise _bad_cursor("belongs to another list or sort order")
        try:
            return self._key.decode(key)  # type: ignore[no-any-return]
        except msgspec.DecodeError:
            raise _bad_cursor("is not a cursor this API gave out") from None

    def page(
        self,
        rows: Sequence[R],
        ask: PageAsk,
        *,
        key: Callable[[R], K],
        show: Callable[[R], T],
    ) -> Page[T]:
        """The page of ``rows`` (read with ``ask.fetch``) and the cursor of the next."""
        shown = rows[: ask.limit]
        more = len(rows) > ask.limit
        return Page(
            items=[show(r) for r in shown],
            next_cursor=self.cursor(key(shown[-1])) if more else None,
        )

    def page_of(self, items: Sequence[R], ask: PageAsk, *, key: Callable[[R], K]) -> Page[R]:
        """A page of a list held in memory, sorted by ``key``."""
        after = self.after(ask.cursor)
        rest = [x for x in items if after is None or key(x) > after]
        return self.page(rest[: ask.fetch], ask, key=key, show=lambda x: x)


def _bad_cursor(reason: str) -> BadCursor:
    return BadCursor(
        f"cursor {reason}; pass the next_cursor of the previous page of the same list, "
        "or no cursor for the first page",
        [FieldError("cursor", reason)],
    )


__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "Listing", "Page", "PageAsk", "page_ask"]
