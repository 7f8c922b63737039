"""What a field of a request may hold: text without stray control characters, integers that
fit their database column, dates in a sane range. Pure; the request Structs build on these.

Two kinds of text: ``OneLine`` (names, identifiers, codes, address lines: no control
character at all) and ``FreeText`` (notes and reasons: tab and line breaks allowed, no
other control character). NUL is refused everywhere: PostgreSQL cannot store it. C1
controls (U+0080 to U+009F) are allowed: they are valid Unicode both databases store, and
they turn up in partners' mis-decoded text.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated

from msgspec import Meta

#: the end of the text in a pattern: "$" also matches before a final newline (in Python's
#: ``re``, which msgspec uses), so "EUR\n" would pass "^[A-Z]{3}$"; ECMA regex reads it too
END = r"(?![\s\S])"
ONE_LINE = r"^[^\x00-\x1f\x7f]*" + END
FREE_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"  # a final newline is allowed here
CODE = r"^[a-z0-9][a-z0-9_-]{0,63}" + END

#: what a pattern means, for the reason an error gives (see ``explain``)
PATTERN_REASONS = {
    ONE_LINE: "must be one line of text without control characters (NUL, tab, newline, ...)",
    FREE_TEXT: "must not contain control characters other than tab and line breaks",
    CODE: "must be 1 to 64 lowercase letters, digits, _ and -, starting with a letter or digit",
}

# No descriptions here: a field adds its own (msgspec refuses two on one type).
OneLine = Annotated[str, Meta(pattern=ONE_LINE)]
FreeText = Annotated[str, Meta(pattern=FREE_TEXT)]
Code = Annotated[str, Meta(pattern=CODE)]  # a connection, channel or location code

INT32_MAX = 2**31 - 1  # an SQL INTEGER column
INT64_MAX = 2**63 - 1  # an SQL BIGINT column, and SQLite's INTEGER
Int32 = Annotated[int, Meta(ge=-(2**31), le=INT32_MAX)]
Count32 = Annotated[int, Meta(ge=0, le=INT32_MAX)]

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


_REGEX = re.compile(r"^Expected `str` matching regex (?P<pattern>'.*')$", re.S)
_BY_REPR = {repr(p): reason for p, reason in PATTERN_REASONS.items()}


def explain(reason: str) -> str:
    """msgspec's "Expected `str` matching regex '...'" for a pattern of this module, in words;
    any other reason as it is."""
    found = _REGEX.match(reason)
    if found is None:
        return reason
    return _BY_REPR.get(found.group("pattern"), reason)


class FieldInvalid(ValueError):
    """A field a Struct's own check refused (raised in ``__post_init__``; msgspec reports it
    at the Struct's path, and the API names ``field`` below that path)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def date_out_of_range(value: datetime | date | None) -> str | None:
    """Why ``value`` is outside 1970 to 2200, or None when it is inside (or absent)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        inside = EARLIEST <= value < LATEST  # compared as instants; no overflow at the edges
    else:
        inside = EARLIEST.date() <= value < LATEST.date()
    if inside:
        return None
    return f"must be between {EARLIEST.date()} and {LATEST.date()} (UTC)"


def check_dates(struct: object, *names: str) -> None:
    """Raise ``FieldInvalid`` for the first of ``names`` whose date is out of range."""
    for name in names:
        reason = date_out_of_range(getattr(struct, name))
        if reason is not None:
            raise FieldInvalid(name, reason)
