"""What the console's order and stock pages read beside the existing queries: an order's
fulfilments with their lines and parcels, and a SKU's newest stock movements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from hub.store import console as store
from hub.store import fulfilment as fulfilment_store
from hub.store.database import Database

MOVEMENTS = 50


@dataclass(frozen=True, slots=True)
class FulfilmentParts:
    fulfilment: Any
    lines: list[Any]
    parcels: list[Any]


async def fulfilments_of(db: Database, order_id: str) -> list[FulfilmentParts]:
    def read(conn: Connection) -> list[FulfilmentParts]:
        found = fulfilment_store.of_order(conn, order_id)
        lines = fulfilment_store.lines_of(conn, [f.id for f in found])
        parcels = fulfilment_store.shipments_of_order(conn, order_id)
        return [
            FulfilmentParts(f, lines.get(f.id, []), [p for p in parcels if p.fulfilment_id == f.id])
            for f in found
        ]

    async with db.read() as conn:
        return await conn.run_sync(read)


async def movements(db: Database, sku: str, limit: int = MOVEMENTS) -> list[Any]:
    """A SKU's newest movements at every location, newest first."""
    async with db.read() as conn:
        return await store.movements(conn, sku, limit)
