"""The console's Today page: orders per channel per hour over the last day, counts by
status, and the work queue, everything a human must act on, each item naming where it is
fixed. A channel-bound key sees its channels' orders only, and no inbound, job or stock
items (those need ``admin`` or ``stock:read``; the caller says which it may see)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import msgspec

from hub.clock import utcnow
from hub.store import console as store
from hub.store import inbound as inbound_store
from hub.store import jobs as job_store
from hub.store import order_tally as tally
from hub.store.database import Database

QUEUE_LIMIT = 50
HOURS = 24
#: open fulfilments read to find the late ones among (the oldest first)
LATE_SCAN = 500


class _ShipBy(msgspec.Struct):
    ship_by: datetime | None = None


_SHIP_BY = msgspec.json.Decoder(_ShipBy)


@dataclass(frozen=True, slots=True)
class Reach:
    """What the signed-in key may see: the channels of its orders (None: every one), and
    whether it reads inbound messages and jobs (admin) and stock."""

    channels: frozenset[str] | None
    admin: bool
    stock: bool


@dataclass(slots=True)
class Today:
    start: datetime  # the first hour of the chart
    hours: dict[str, list[int]]  # channel -> orders placed in each of the HOURS hours
    statuses: dict[str, int]
    held: list[dict[str, Any]] = field(default_factory=list)
    flagged: list[dict[str, Any]] = field(default_factory=list)
    late: list[dict[str, Any]] = field(default_factory=list)
    quarantined: list[Any] = field(default_factory=list)
    dead: list[Any] = field(default_factory=list)
    drift: dict[str, int] = field(default_factory=dict)

    @property
    def queue_size(self) -> int:
        parts = (self.held, self.flagged, self.late, self.quarantined, self.dead)
        return sum(len(p) for p in parts) + len(self.drift)


def _by_hour(
    placed: list[tuple[str, datetime, int]], start: datetime, channels: Sequence[str] | None
) -> dict[str, list[int]]:
    counts: Counter[tuple[str, int]] = Counter()
    for channel, hour, n in placed:
        if channels is None or channel in channels:
            counts[(channel, int((hour - start).total_seconds() // 3600))] += n
    names = sorted({c for c, _ in counts})
    return {c: [counts[(c, h)] for h in range(HOURS)] for c in names}


def _late(rows: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    late = []
    for row in rows:
        ship_by = _SHIP_BY.decode(row.pop("doc")).ship_by
        if ship_by is not None and ship_by < now:
            late.append(row | {"ship_by": ship_by})
    return late[:QUEUE_LIMIT]


async def today(db: Database, reach: Reach) -> Today:
    now = utcnow()
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=HOURS - 1)
    channels = sorted(reach.channels) if reach.channels is not None else None
    async with db.read() as conn:
        placed = await tally.placed_hours(conn, start)  # the tallies, not the orders
        statuses = await tally.status_counts(conn, channels)
        found = Today(start=start, hours=_by_hour(placed, start, channels), statuses=statuses)
        found.held = await store.held(conn, channels, QUEUE_LIMIT)
        found.flagged = await store.flagged(conn, channels, QUEUE_LIMIT)
        found.late = _late(await store.open_fulfilments(conn, channels, LATE_SCAN), now)
        if reach.admin:
            found.quarantined = await inbound_store.list_messages(
                conn, status="quarantined", connection=None, after=None, limit=QUEUE_LIMIT
            )
            found.dead = await job_store.list_jobs(
                conn, state="dead", kind=None, after=None, limit=QUEUE_LIMIT
            )
        if reach.stock:
            found.drift = await store.drift_since(conn, now - timedelta(days=1))
    return found
