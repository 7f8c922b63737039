"""Demand history: daily units per SKU x channel and SKU x location, kept from the orders.

- ``update``: the incremental update (the ``demand.update`` job and ``update_demand``):
  orders changed since the last run -> the daily aggregate, bundles as their components,
  cancelled orders taken out again, each unit at the location that reserved or shipped it.
- ``history_csv``: past sales from a CSV file (``hub history import``), idempotent.
- ``returns``: the hook a returns service calls to record returned units (kind ``returned``).

The worker queues ``demand.update`` when orders changed (``services/forecast/schedule``).

The storage and its cells are described in ``hub.store.planning_tables`` and
``hub.store.demand``; forecasts read the aggregate, never the orders (``services/forecast``).
"""

from hub.services.demand.returns import record_returned
from hub.services.demand.update import (
    DEMAND_JOB,
    enqueue_update,
    handle_update_job,
    rebuild,
    update_demand,
    update_step,
)

__all__ = [
    "DEMAND_JOB",
    "enqueue_update",
    "handle_update_job",
    "rebuild",
    "record_returned",
    "update_demand",
    "update_step",
]
