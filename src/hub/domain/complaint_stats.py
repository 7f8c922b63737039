"""Complaint figures, pure: which carrier, location and SKU each complaint counts against,
and the rates per 1,000 shipped units (``GET /complaints/stats``).

A complaint counts against the parcels of its original order that carry the SKUs it names
(all of the order's parcels when it names none, or when none carries them), once per
carrier and once per location among them; an order not shipped yet counts against its
fulfilments. Against SKUs: the ones it names, else the order's. What was never shipped nor
routed counts as ``unknown``. The rate is complaints per 1,000 units shipped by that carrier,
from that location, or of that SKU in the same window (None when none shipped).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

import msgspec

UNKNOWN = "unknown"


class Parcel(msgspec.Struct, frozen=True):
    """What went out for an order: a parcel (or a fulfilment not shipped yet)."""

    carrier: str | None
    location: str | None
    skus: frozenset[str]


class Complained(msgspec.Struct, frozen=True):
    """A complaint as the figures see it: its kind, the SKUs it names, what its order
    shipped, and the SKUs of the order."""

    kind: str
    skus: frozenset[str]
    parcels: tuple[Parcel, ...]
    order_skus: frozenset[str]


class Row(msgspec.Struct, frozen=True, kw_only=True):
    """One cell: a kind and a carrier, location or SKU, its complaints and its rate."""

    kind: str
    key: str
    complaints: int
    shipped_units: int
    per_1000_units: float | None


def against(c: Complained) -> tuple[set[str], set[str], set[str]]:
    """The carriers, locations and SKUs ``c`` counts against."""
    relevant = [p for p in c.parcels if not c.skus or p.skus & c.skus] or list(c.parcels)
    carriers = {p.carrier or UNKNOWN for p in relevant} or {UNKNOWN}
    locations = {p.location or UNKNOWN for p in relevant} or {UNKNOWN}
    skus = set(c.skus or c.order_skus) or {UNKNOWN}
    return carriers, locations, skus


def count(complaints: Iterable[Complained]) -> tuple[Counter[tuple[str, str]], ...]:
    """(kind, carrier), (kind, location) and (kind, SKU) -> complaints."""
    by_carrier: Counter[tuple[str, str]] = Counter()
    by_location: Counter[tuple[str, str]] = Counter()
    by_sku: Counter[tuple[str, str]] = Counter()
    for c in complaints:
        carriers, locations, skus = against(c)
        by_carrier.update((c.kind, k) for k in carriers)
        by_location.update((c.kind, k) for k in locations)
        by_sku.update((c.kind, k) for k in skus)
    return by_carrier, by_location, by_sku


def rate(complaints: int, units: int) -> float | None:
    """Complaints per 1,000 shipped units, to two places."""
    return round(complaints * 1000 / units, 2) if units > 0 else None


def rows(counts: Mapping[tuple[str, str], int], shipped: Mapping[str, int]) -> list[Row]:
    """The cells of one table, most complaints first."""
    out = [
        Row(
            kind=kind,
            key=key,
            complaints=n,
            shipped_units=shipped.get(key, 0),
            per_1000_units=rate(n, shipped.get(key, 0)),
        )
        for (kind, key), n in counts.items()
    ]
    return sorted(out, key=lambda r: (-r.complaints, r.kind, r.key))
