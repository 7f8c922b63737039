"""The hook the returns service (a later issue) calls: returned units as their own series.

Returned units go into the same daily aggregate as sales, with ``kind = returned``, on the
day the return was received, on the order's channel, at the location that received it.
Forecasts read ``sold`` only; returned units are kept so that a net demand (or a return
rate per SKU) can be read beside them.

Call ``record_returned`` inside the transaction that records the return, with everything
the return has received so far: calling it again with the same ``return_id`` replaces what
it recorded before, so it is safe to call on every change, and ``{}`` takes it all out (a
return cancelled or booked in error)::

    record_returned(conn, "RMA-1", channel="shopify-eu", day=date(2025, 3, 20),
                    units={"TEE-M": 1}, location="main")
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import Connection

from hub.services.demand.update import exploded
from hub.store import demand as store
from hub.store.demand import Entry


def record_returned(
    conn: Connection,
    return_id: str,
    *,
    channel: str,
    day: date,
    units: Mapping[str, int],
    location: str = "",
) -> None:
    """Set what return ``return_id`` contributes (SKU -> units; bundles and aliases as for
    orders) to the ``returned`` series, in the caller's transaction."""
    ref = f"return:{return_id}"
    parts = exploded(conn, [(ref, sku, n) for sku, n in sorted(units.items()) if n > 0])
    new = {
        ref: [
            Entry(store.RETURNED, sku, location, channel, day, n)
            for sku, n in sorted(parts.get(ref, {}).items())
        ]
    }
    old = store.entries_of(conn, [ref], store.RETURNED)
    store.add_to_cells(conn, store.replace_entries(conn, store.RETURNED, new, old), store.ORDERS)
