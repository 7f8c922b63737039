"""Units shipped, by carrier, location and SKU: the denominators of the complaint rates.

``count_shipped`` adds each new parcel's units to ``shipped_daily`` (its UTC day, by
carrier, by location, by SKU) in the transaction that records the parcel. ``shipped_units``
reads a window from it: whole days from the rollup, the part of the first day after
``since`` from the parcels themselves (one day's worth, through ``shipments.shipped_at``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from hub.store.tables import fulfilments, shipment_lines, shipments, shipped_daily

DIMENSIONS = ("carrier", "location", "sku")
UNKNOWN = "unknown"


def _lines() -> Any:
    s, f, sl = shipments.c, fulfilments.c, shipment_lines.c
    return (
        select(
            s.shipped_at,
            func.coalesce(s.carrier, f.carrier).label("carrier"),
            f.location,
            sl.sku,
            sl.quantity,
        )
        .select_from(shipments)
        .join(shipment_lines, sl.shipment_id == s.id)
        .join(fulfilments, f.id == s.fulfilment_id)
    )


def _keys(r: Any) -> tuple[str, str, str]:
    return ((r.carrier or UNKNOWN)[:100], r.location or UNKNOWN, r.sku)


def count_shipped(conn: Connection, shipment_ids: Sequence[str]) -> None:
    """Add the units of the parcels ``shipment_ids`` (just recorded) to ``shipped_daily``."""
    cells: Counter[tuple[Any, str, str]] = Counter()
    for r in conn.execute(_lines().where(shipments.c.id.in_(list(shipment_ids)))):
        day = r.shipped_at.astimezone(UTC).date()
        for dimension, key in zip(DIMENSIONS, _keys(r), strict=True):
            cells[(day, dimension, key)] += r.quantity
    if not cells:
        return
    ins = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(shipped_daily)
    stmt = ins.on_conflict_do_update(
        index_elements=["day", "dimension", "key"],
        set_={"units": shipped_daily.c.units + ins.excluded.units},
    )
    rows = [{"day": d, "dimension": dim, "key": k, "units": n}
            for (d, dim, k), n in sorted(cells.items())]  # fmt: skip
    conn.execute(stmt, rows)


def shipped_units(conn: Connection, since: datetime) -> tuple[dict[str, int], ...]:
    """Units shipped since ``since``: by carrier, by location and by SKU."""
    since = since.astimezone(UTC)
    first = since.date() if since.time() == time(0) else since.date() + timedelta(days=1)
    out: dict[str, Counter[str]] = {d: Counter() for d in DIMENSIONS}
    d = shipped_daily.c
    query = (
        select(d.dimension, d.key, func.sum(d.units).label("units"))
        .where(d.day >= first)
        .group_by(d.dimension, d.key)
    )
    for r in conn.execute(query):
        out[r.dimension][r.key] += int(r.units)
    boundary = datetime.combine(first, time(0), tzinfo=UTC)
    if boundary > since:  # the rest of the first day, from the parcels
        s = shipments.c
        for r in conn.execute(_lines().where(s.shipped_at >= since, s.shipped_at < boundary)):
            for dimension, key in zip(DIMENSIONS, _keys(r), strict=True):
                out[dimension][key] += r.quantity
    return tuple(dict(out[dim]) for dim in DIMENSIONS)
