"""Dates and times in mappings: Unix seconds or milliseconds, a given format, a time zone.

Every function returns an ISO 8601 UTC string (``2025-03-14T09:22:30Z``), the form
``placed_at`` and ``ship_by`` take. A time that carries no offset is read in the IANA time
zone the mapping names (``Europe/Berlin``); without one it is an error, because its instant
is unknown. Years outside 1970-2200 are refused: a partner's 0 or a millisecond count read
as seconds is a mistake, not a date.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub.mapping.errors import show

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


class FunctionError(ValueError):
    """A mapping function given something it cannot use; the message names the function."""


def _iso(moment: datetime, function: str) -> str:
    if not EARLIEST <= moment < LATEST:
        raise FunctionError(f"{function}(): {moment.isoformat()} is outside 1970-2200")
    moment = moment.astimezone(UTC)
    text = moment.isoformat(timespec="microseconds" if moment.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def _zone(name: Any, function: str) -> tzinfo:
    if not isinstance(name, str) or not name.strip():
        raise FunctionError(f"{function}(): {show(name)} is not a time zone name")
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise FunctionError(f"{function}(): unknown time zone {name!r}") from None


def from_unix(value: Any, per_second: int, function: str) -> str:
    """Seconds (``per_second`` 1) or milliseconds (1000) since 1970 as an ISO UTC string."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise FunctionError(f"{function}(): {show(value)} is not a number")
    try:
        count = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except InvalidOperation:
        raise FunctionError(f"{function}(): {show(value)} is not a number") from None
    if not count.is_finite():
        raise FunctionError(f"{function}(): {show(value)} is not a number")
    seconds = count / per_second
    if not 0 <= seconds < Decimal(int((LATEST - EARLIEST).total_seconds())):
        raise FunctionError(f"{function}(): {show(value)} is outside 1970-2200")
    whole = int(seconds)
    micros = int((seconds - whole) * 1_000_000)
    moment = datetime.fromtimestamp(whole, UTC).replace(microsecond=micros)
    return _iso(moment, function)


def parse(text: Any, fmt: Any, zone: Any, function: str) -> str:
    """``text`` read with ``fmt`` (strptime; None: ISO 8601), in ``zone`` if it has no offset."""
    if not isinstance(text, str):
        raise FunctionError(f"{function}(): {show(text)} is not a date or time text")
    try:
        if fmt is None:
            moment = datetime.fromisoformat(text.strip())
        elif isinstance(fmt, str):
            moment = datetime.strptime(text.strip(), fmt)
        else:
            raise FunctionError(f"{function}(): the format {show(fmt)} is not text")
    except ValueError as exc:
        wanted = "ISO 8601" if fmt is None else repr(fmt)
        raise FunctionError(f"{function}(): {text!r} does not match {wanted}: {exc}") from None
    if moment.tzinfo is None:
        if zone is None:
            raise FunctionError(
                f"{function}(): {text!r} has no UTC offset; name its time zone "
                "(e.g. 'Europe/Berlin')"
            )
        moment = moment.replace(tzinfo=_zone(zone, function))
    return _iso(moment, function)
