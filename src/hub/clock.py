"""The hub's clock: timezone-aware UTC now. One function, so tests and code agree on it."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
