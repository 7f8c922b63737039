"""The incremental demand update: orders changed since the last run -> the daily aggregate.

The change feed is ``orders.updated_at`` (every status move and content change sets it;
indexed). A run reads the orders changed after ``cursor - LOOKBACK`` whose current version
is not counted yet (``demand_orders``), works out what each contributes now, and adds the
difference to the aggregate (``hub.store.demand``). The look-back catches a transaction that
stamped its change a little before it committed (concurrent writers on PostgreSQL): an order
seen twice at the same version is skipped by the version check, so the look-back costs a
range scan and no recount.

What an order contributes, per stock SKU, on the UTC day it was placed, on its channel:

- its lines' units, aliases resolved to their SKU and bundles exploded into components
  (the catalog as it is when the order is counted);
- nothing at all once it is cancelled (the units it had counted are taken out again);
- at the location its units were reserved at or shipped from (the stock ledger), the rest
  at location "" (not known yet: an order on hold, or one not accepted yet).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import Connection

from hub.clock import utcnow
from hub.domain.lifecycle import OrderStatus
from hub.store import catalog as catalog_store
from hub.store import demand as store
from hub.store import jobs as job_store
from hub.store import polls
from hub.store import stock as stock_store
from hub.store.database import Database
from hub.store.demand import Changed, Entry
from hub.store.jobs import Job, NewJob

DEMAND_JOB = "demand.update"
LOOKBACK = timedelta(minutes=5)
BATCH = 1000
#: a job counts at most this many batches, then queues the next job for the rest
JOB_BATCHES = 5
JOB_ATTEMPTS = 8
#: where the cursor is kept (the polling cursors' table: (connection, stream))
CURSOR = ("hub:demand", "orders")


class Step(NamedTuple):
    counted: int  # orders whose contribution was (re)computed
    more: bool  # a full batch: there may be more to count
    last: tuple[datetime, str] | None = None  # where the batch stopped: (updated_at, id)


def _cursor(conn: Connection) -> datetime | None:
    row = polls.get_sync(conn, *CURSOR)
    return datetime.fromisoformat(row.cursor) if row and row.cursor else None


def exploded(conn: Connection, lines: list[tuple[str, str, int]]) -> dict[str, dict[str, int]]:
    """order id -> {stock SKU: units}: aliases resolved, bundles as their components."""
    names = {sku for _, sku, _ in lines}
    aliases = catalog_store.alias_owners(conn, names)
    bundles = catalog_store.components_of(conn, {aliases.get(s, s) for s in names})
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for order_id, sku, quantity in lines:
        real = aliases.get(sku, sku)
        for part, per in bundles.get(real, {real: 1}).items():
            out[order_id][part] += quantity * per
    return out


def _located(units: int, held: dict[str, int]) -> list[tuple[str, int]]:
    """``units`` over the locations the ledger names (by location), the rest at ""."""
    out = []
    for location, n in sorted(held.items()):
        n = min(n, units)
        if n > 0:
            out.append((location, n))
            units -= n
    if units > 0:
        out.append(("", units))
    return out


def order_entries(conn: Connection, changed: list[Changed]) -> dict[str, list[Entry]]:
    """ref ("order:<id>") -> what the order contributes now (see the module docstring)."""
    live = [c for c in changed if c.status != OrderStatus.CANCELLED]
    ids = [c.id for c in live]
    parts = exploded(conn, stock_store.order_lines(conn, ids)) if ids else {}
    places = store.units_by_location(conn, ids) if ids else {}
    out: dict[str, list[Entry]] = {f"order:{c.id}": [] for c in changed}
    for c in live:
        day = c.placed_at.date()
        for sku, units in sorted(parts.get(c.id, {}).items()):
            for location, n in _located(units, places.get((c.id, sku), {})):
                out[f"order:{c.id}"].append(Entry(store.SOLD, sku, location, c.channel, day, n))
    return out


def update_step(
    conn: Connection, batch: int = BATCH, after: tuple[datetime, str] | None = None
) -> Step:
    """Count one batch of changed orders, in the caller's transaction. ``after``: where the
    run's previous batch stopped (without it, the look-back window is walked again)."""
    cursor = _cursor(conn)
    since = None if cursor is None else cursor - LOOKBACK
    changed = store.changed_orders(conn, since, batch, after)
    if not changed:
        return Step(0, False)
    new = order_entries(conn, changed)
    old = store.entries_of(conn, list(new), store.SOLD)
    store.add_to_cells(conn, store.replace_entries(conn, store.SOLD, new, old), store.ORDERS)
    store.mark_counted(conn, {c.id: c.version for c in changed})
    latest = max(c.updated_at for c in changed)
    if cursor is None or latest > cursor:
        polls.set_sync(conn, *CURSOR, latest.isoformat(), now=utcnow())
    return Step(len(changed), len(changed) >= batch, (changed[-1].updated_at, changed[-1].id))


async def update_demand(db: Database, *, batch: int = BATCH) -> int:
    """Count every changed order, one batch per transaction; returns how many were counted."""
    total, last = 0, None
    while True:
        step = await db.run_write(lambda conn, after=last: update_step(conn, batch, after))
        total, last = total + step.counted, step.last
        if not step.more:
            return total


async def rebuild(db: Database) -> int:
    """Count every order again (after a catalog change to bundles, say): the entries kept
    make it a diff, so the aggregate ends where a first count would have put it."""

    def forget(conn: Connection) -> None:
        store.forget_counted(conn)
        polls.set_sync(conn, *CURSOR, None, now=utcnow())

    await db.run_write(forget)
    return await update_demand(db)


def enqueue_update(conn: Connection, *, now: datetime, again: bool = False) -> bool:
    """Queue ``demand.update`` unless one waits (``again``: even so, for the rest of a
    backlog the running job left). Returns True when a job was written."""
    job = NewJob(DEMAND_JOB, {})
    if again:
        job_store.enqueue_sync(conn, [job], now=now, max_attempts=JOB_ATTEMPTS)
        return True
    return job_store.enqueue_unless_active_sync(
        conn, job, now=now, max_attempts=JOB_ATTEMPTS, states=("pending",)
    )


def pending_changes(conn: Connection) -> bool:
    """Whether an order is waiting to be counted (the schedule's check: a range scan of the
    look-back window)."""
    cursor = _cursor(conn)
    return bool(store.changed_orders(conn, None if cursor is None else cursor - LOOKBACK, 1))


def handle_update_job(conn: Connection, jobs: list[Job]) -> None:
    """``demand.update`` (local): a few batches in the claim transaction; the next job
    takes the rest."""
    last = None
    for _ in range(JOB_BATCHES):
        step = update_step(conn, after=last)
        if not step.more:
            return
        last = step.last
    enqueue_update(conn, now=utcnow(), again=True)
