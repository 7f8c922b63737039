"""Bins: where a SKU lies at a location, the order a pick list walks the shelves in.

A bin is set by a stock count (``POST /stock/movements``, ``kind: count`` with ``bin``) or
by the catalog import (a ``bin:<location>`` column); ``GET /stock/{sku}`` shows it.
"""

from __future__ import annotations

from collections.abc import Mapping

from hub.store import stock as store
from hub.store.database import Database

Key = tuple[str, str]  # (sku, location)


async def location_codes(db: Database) -> set[str]:
    async with db.read() as conn:
        return await conn.run_sync(store.location_codes)


async def set_bins(db: Database, bins: Mapping[Key, str | None]) -> None:
    """Set each (sku, location)'s bin in one transaction (None clears it); the locations
    must exist."""
    wanted = dict(bins)
    if wanted:
        await db.run_write(lambda conn: store.set_bins(conn, wanted))
