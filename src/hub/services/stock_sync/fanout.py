"""Marking and fan-out: a stock change becomes one pending row per (connection, SKU).

``stock_changed`` runs inside every transaction that moves stock; the ``stock.fanout``
local job then turns the dirty SKUs (and the bundles made of them) into pending rows for
each connection that lists them, and one ``stock.push`` job waiting per connection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import Connection

from hub.clock import utcnow
from hub.domain.webhooks import EventType
from hub.services import subscriptions as webhooks
from hub.services.stock_sync.jobs import FANOUT_JOB, PUSH_JOB, enqueue_again, enqueue_once
from hub.services.stock_sync.targets import Target, figures, targets
from hub.store import catalog as catalog_store
from hub.store import stock_sync as store
from hub.store.jobs import Job

FANOUT_LIMIT = 10_000  # dirty SKUs per fan-out run

OnDirty = Callable[[Connection, set[str]], object]


def stock_changed(conn: Connection, skus: Iterable[str], *, now: datetime) -> None:
    """Call inside every transaction that moves stock: the channels will hear of it."""
    wanted = set(skus)
    if not wanted:
        return
    store.mark_dirty(conn, wanted, now=now)
    enqueue_once(conn, FANOUT_JOB, now=now)


def fanout_handler(
    connections: object, on_dirty: OnDirty | None = None
) -> Callable[[Connection, list[Job]], None]:
    """The ``stock.fanout`` local job: dirty SKUs -> pending rows and push jobs.
    ``on_dirty(conn, skus)`` also hears of them (orders waiting for stock to route)."""

    def run(conn: Connection, jobs: list[Job]) -> None:
        fan_out(conn, targets(connections), on_dirty)

    return run


def _announce(
    conn: Connection,
    found: list[Target],
    skus: set[str],
    pairs: list[tuple[str, str]],
    now: datetime,
) -> None:
    """``stock.changed`` per SKU, with the ATS of each channel it is pushed to."""
    channels: dict[str, dict[str, int]] = {sku: {} for sku in skus}
    for t in found:
        mine = [s for c, s in pairs if c == t.code]
        for sku, ats in figures(conn, t.rules, mine).items():
            channels[sku][t.code] = ats
    events = [({"sku": sku, "channels": channels[sku]}, now) for sku in sorted(skus)]
    webhooks.emit_sync(conn, EventType.STOCK_CHANGED, events)


def fan_out(conn: Connection, found: list[Target], on_dirty: OnDirty | None = None) -> int:
    """One fan-out step (inside the caller's transaction); returns the pending rows made."""
    now = utcnow()
    seen = store.dirty(conn, FANOUT_LIMIT)
    if not seen:
        return 0
    skus = {s for _, s in seen}
    if on_dirty is not None:
        on_dirty(conn, set(skus))
    skus |= catalog_store.bundles_containing(conn, skus)
    listed = store.listed(conn, skus, [t.code for t in found if not t.all_skus])
    pairs = [(t.code, s) for t in found for s in skus if t.all_skus or (t.code, s) in listed]
    store.mark_pending(conn, pairs, now=now)
    store.clear_dirty(conn, seen)
    if webhooks.wants(conn, EventType.STOCK_CHANGED):
        _announce(conn, found, skus, pairs, now)
    for code in sorted({c for c, _ in pairs}):
        enqueue_once(conn, PUSH_JOB, code, now=now)
    if len(seen) == FANOUT_LIMIT:  # more are waiting
        enqueue_again(conn, FANOUT_JOB, now=now)
    return len(pairs)
