"""Stock use cases: movements posted by people and systems, stock held for orders, levels
and each channel's available to sell, and the locations stock lies in.

- ``movements``: receipts, adjustments and counts, one batch in one transaction.
- ``reservations``: reserve an order's lines, release or consume them (inside the
  caller's transaction: the accept job, a cancellation, a shipment); ``reservable`` looks
  without locking which waiting orders the stock would now cover.
- ``levels``: ``get_stock``, per location and per channel, bundles from their components;
  ``channel_stock``, one channel's figure and nothing else.
- ``locations``: add and list locations.

Every change to a level also tells stock sync (``services.stock_sync``) which SKUs moved,
in the same transaction.
"""

from hub.domain.settings import Policy
from hub.services.stock.levels import (
    ComponentStock,
    LocationStock,
    StockView,
    channel_stock,
    get_stock,
)
from hub.services.stock.locations import LocationIn, add_location, list_locations
from hub.services.stock.movements import MovementIn, MovementsApplied, apply_batch, post_movements
from hub.services.stock.reservations import (
    Shortfall,
    consume_at,
    consume_order,
    release_order,
    reservable,
    reserve_at,
    reserve_orders,
)

__all__ = [
    "ComponentStock",
    "LocationIn",
    "LocationStock",
    "MovementIn",
    "MovementsApplied",
    "Policy",
    "Shortfall",
    "StockView",
    "add_location",
    "apply_batch",
    "channel_stock",
    "consume_at",
    "consume_order",
    "get_stock",
    "list_locations",
    "post_movements",
    "release_order",
    "reservable",
    "reserve_at",
    "reserve_orders",
]
