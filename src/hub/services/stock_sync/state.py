"""What the API shows of stock sync: each (connection, SKU) row's state, and drift found.

The answers are store rows; ``hub.api.stock`` turns them into its response Structs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hub.store import stock_sync as store
from hub.store.database import Database


async def sync_state(
    db: Database,
    *,
    connection: str | Sequence[str] | None = None,
    sku: str | Sequence[str] | None = None,
    only: str | Sequence[str] | None = None,
    after: Sequence[str] | None = None,
    limit: int = 100,
) -> list[Any]:
    """Rows by connection and SKU after the key ``(connection, sku)``; ``only`` pending or
    error (either, when both)."""
    async with db.read() as conn:
        return await conn.run_sync(
            lambda c: store.state(
                c, connection=connection, sku=sku, only=only, after=after, limit=limit
            )
        )


async def drift_found(
    db: Database,
    *,
    connection: str | Sequence[str] | None,
    after: int | None = None,
    limit: int,
) -> list[Any]:
    """What drift checks found, newest first (store rows of ``stock_drift``), before the
    id ``after``."""
    async with db.read() as conn:
        return await conn.run_sync(
            lambda c: store.drift(c, connection=connection, after=after, limit=limit)
        )
