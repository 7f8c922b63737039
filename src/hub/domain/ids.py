"""Identifiers: time-ordered opaque ids, and unguessable public references for buyers."""

from __future__ import annotations

import secrets

from ulid import StrictMonotonicPolicy, ULIDGenerator

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

# The hub's own generator (not ulid's module-level default, which other code may replace):
# within one millisecond it adds one to the last id's random part instead of drawing anew.
_ids = ULIDGenerator(policy=StrictMonotonicPolicy())


def new_id() -> str:
    """A time-ordered, globally unique id (ULID, 26 characters).

    Monotonic within a process: an id made after another sorts after it, also when both
    fall in the same millisecond (while the wall clock does not step back).
    """
    return str(_ids.generate())


def public_ref() -> str:
    """An unguessable reference a buyer can type: 80 random bits, Crockford base32, in fours.

    Example: ``K7QM-9XCD-2PFA-H3TW``. It carries no order data and cannot be enumerated.
    """
    value = secrets.randbits(80)
    chars = []
    for _ in range(16):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    raw = "".join(chars)
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def order_number(seq: int, prefix: str = "H") -> str:
    """The human-friendly hub order number for sequence value ``seq`` (``H-100042``)."""
    return f"{prefix}-{seq}"
