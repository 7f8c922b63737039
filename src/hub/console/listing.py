"""Cursor paging for the console's lists: a page link carries the last row's sort key
(opaque, URL-safe), and the next page starts after it. Never a count over the table."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

import msgspec

from hub.errors import HubError

T = TypeVar("T")
PAGE = 50


def cursor_of(*parts: datetime | str | int) -> str:
    raw = [p.isoformat() if isinstance(p, datetime) else p for p in parts]
    return base64.urlsafe_b64encode(msgspec.json.encode(raw)).decode()


def timed_after(text: str | None) -> tuple[datetime, str] | None:
    """A (time, id) cursor of a page link, or None on the first page."""
    if not text:
        return None
    try:
        at, row_id = msgspec.json.decode(base64.urlsafe_b64decode(text.encode()))
        return datetime.fromisoformat(at), str(row_id)
    except (ValueError, TypeError, binascii.Error, msgspec.DecodeError):
        raise HubError("this page link is broken; start from the first page") from None


def id_after(text: str | None) -> int | None:
    """A numeric-id cursor of a page link, or None on the first page."""
    if not text:
        return None
    try:
        (found,) = msgspec.json.decode(base64.urlsafe_b64decode(text.encode()))
        return int(found)
    except (ValueError, TypeError, binascii.Error, msgspec.DecodeError):
        raise HubError("this page link is broken; start from the first page") from None


def split_page(
    rows: Sequence[T], key: Callable[[T], tuple[Any, ...]], size: int = PAGE
) -> tuple[list[T], str | None]:
    """The page's rows (``rows`` was read with ``size + 1``) and the next page's cursor."""
    shown = list(rows[:size])
    more = len(rows) > size
    return shown, cursor_of(*key(shown[-1])) if more and shown else None
