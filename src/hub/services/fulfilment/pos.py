"""Point of sale: a sale handed over at the till leaves the store's stock at once."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import Connection

from hub.services import stock
from hub.services.fulfilment.stock_lines import stock_lines
from hub.store import orders as order_store
from hub.store import routing as routing_store


def consume_pos_sale(conn: Connection, order_id: str, *, now: datetime) -> str | None:
    """Take the sale from the location whose ``connection`` is the order's channel (the
    first by priority). Returns a note for the operator when no location is tied to that
    channel (the sale could not be taken from stock)."""
    order = order_store.load(conn, order_id)
    till = routing_store.location_of_connection(conn, order.channel)
    if till is None:
        return (
            f"a sale on {order.channel} was not taken from stock: no location has "
            f"connection {order.channel!r}"
        )
    lines, _ = stock_lines(conn, order)
    parts: dict[str, int] = defaultdict(int)
    for ln in lines:
        parts[ln.sku] += ln.quantity
    stock.consume_at(conn, order_id, till, dict(parts), reason="sold at the till", now=now)
    return None
