"""What a buyer may see of an order by its unguessable ``public_ref``, without a key: the
order and its parcels (the API shows no name, address, email or price)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from hub.domain.order import Order
from hub.errors import NotFound
from hub.store import fulfilment as store
from hub.store import orders as order_store
from hub.store.database import Database


@dataclass(frozen=True, slots=True)
class TrackingView:
    """An order, its parcels (stored rows, oldest first) and the units each carries."""

    order: Order
    parcels: list[Any]
    items: dict[str, int]  # shipment id -> units in it


async def public_tracking(db: Database, public_ref: str) -> TrackingView:
    def read(conn: Connection) -> TrackingView | None:
        order = order_store.by_public_ref(conn, public_ref)
        if order is None:
            return None
        parcels = store.shipments_of_order(conn, order.id)
        parts = store.shipment_parts(conn, [p.id for p in parcels])
        return TrackingView(order, parcels, {s: sum(units.values()) for s, units in parts.items()})

    async with db.read() as aconn:
        found = await aconn.run_sync(read)
    if found is None:
        raise NotFound("no order with that reference")
    return found
