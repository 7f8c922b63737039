"""A SKU's forecast demand split over its locations, for replenishment per location.

The share of a location is its share of the SKU's units reserved at or shipped from a known
location over the last 364 days (units at no known location are left out of the shares:
they are spread like the rest). A SKU with no located sales is split evenly over the
locations holding a stock level of it, or, holding none, put at the location reserved from
first (lowest priority): that is where the hub would take its stock from.

Demand per day scales by the share. The error per day scales by the square root of the
share (the spread of a part of independent demand), which for every share below 1 is more
than the share itself: the safety stock of a location is never less than its slice of the
total's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any


def shares(
    located: Mapping[str, int], stocked: Sequence[str], first: str | None
) -> dict[str, float]:
    """location -> share of the SKU's demand (adding up to 1), or {} with no location."""
    total = sum(n for n in located.values() if n > 0)
    if total > 0:
        return {loc: n / total for loc, n in sorted(located.items()) if n > 0}
    if stocked:
        return {loc: 1 / len(stocked) for loc in sorted(stocked)}
    return {first: 1.0} if first else {}


def location_rows(
    sku: str,
    demand_per_day: float,
    error_per_day: float,
    split: Mapping[str, float],
    run_id: int,
) -> list[dict[str, Any]]:
    """The ``forecast_locations`` rows of one SKU."""
    return [
        {
            "sku": sku,
            "location": loc,
            "share": round(share, 6),
            "demand_per_day": round(demand_per_day * share, 6),
            "error_per_day": round(error_per_day * math.sqrt(share), 6),
            "run_id": run_id,
        }
        for loc, share in sorted(split.items())
    ]
