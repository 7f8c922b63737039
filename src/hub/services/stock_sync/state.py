"""What the API shows of stock sync: each (connection, SKU) row's state, and drift found.

The answers are store rows; ``hub.api.stock`` turns them into its response Structs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.store import stock_sync as store
from hub.store.database import Database


@dataclass(frozen=True, slots=True)
class SyncState:
    """One page of ``stock_sync`` rows, and the cursor of the next ("connection/sku")."""

    rows: list[Any]
    next: str | None


async def sync_state(
    db: Database,
    *,
    connection: str | None = None,
    sku: str | None = None,
    only: str | None = None,
    after: str | None = None,
    limit: int = 100,
) -> SyncState:
    """Rows by connection and SKU; ``only`` pending or error; ``after`` a page's ``next``."""
    cursor = tuple(after.split("/", 1)) if after and "/" in after else None
    async with db.read() as conn:
        rows = await conn.run_sync(
            lambda c: store.state(
                c, connection=connection, sku=sku, only=only, after=cursor, limit=limit
            )
        )
    last = rows[-1] if len(rows) == limit else None
    return SyncState(rows, f"{last.connection}/{last.sku}" if last is not None else None)


async def drift_found(db: Database, *, connection: str | None, limit: int) -> list[Any]:
    """What drift checks found, newest first (store rows of ``stock_drift``)."""
    async with db.read() as conn:
        return await conn.run_sync(lambda c: store.drift(c, connection=connection, limit=limit))
