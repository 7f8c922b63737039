"""``GET /complaints/stats``: complaints opened since a time, by kind and carrier, by kind and
location (warehouse, store or 3PL) and by kind and SKU, each with its rate per 1,000 units
shipped in the same window (``hub.domain.complaint_stats`` says what counts against what)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import Connection

from hub.domain.complaint_stats import Row, count, rows
from hub.domain.lifecycle import EventKind
from hub.store import complaints as store
from hub.store import shipped
from hub.store.database import Database


class ComplaintStats(msgspec.Struct, frozen=True, kw_only=True):
    since: datetime
    complaints: int  # opened since ``since``
    shipped_units: int  # shipped since ``since``
    by_carrier: list[Row]
    by_location: list[Row]
    by_sku: list[Row]


def stats_in(conn: Connection, since: datetime) -> ComplaintStats:
    store.favour_index_lookups(conn)
    complained = store.complained(conn, since)
    carriers, locations, skus = count(complained)
    by_carrier, by_location, by_sku = shipped.shipped_units(conn, since)
    return ComplaintStats(
        since=since,
        complaints=len(complained),
        shipped_units=sum(by_carrier.values()),
        by_carrier=rows(carriers, by_carrier),
        by_location=rows(locations, by_location),
        by_sku=rows(skus, by_sku),
    )


async def stats(db: Database, since: datetime) -> ComplaintStats:
    async with db.read() as conn:
        return await conn.run_sync(stats_in, since)


def count_shipments(conn: Connection, events: Sequence[dict[str, Any]]) -> None:
    """The timeline tap that keeps the shipped units: each ``shipment`` entry's parcel is
    added to the daily figures in the transaction that records it."""
    ids = [json.loads(e["detail"])["shipment"] for e in events
           if e["kind"] == EventKind.SHIPMENT.value and e.get("detail")]  # fmt: skip
    if ids:
        shipped.count_shipped(conn, ids)
