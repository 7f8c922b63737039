"""The worker's safety net for stock sync, run every few seconds (``enqueue_due``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection

from hub.clock import utcnow
from hub.sdk import ReadsStock
from hub.services.jobs import JobContext
from hub.services.stock_sync.drift import DRIFT_STREAM
from hub.services.stock_sync.jobs import (
    DRIFT_JOB,
    FANOUT_JOB,
    PUSH_JOB,
    RETRY_CAP_SECONDS,
    enqueue_once,
)
from hub.services.stock_sync.targets import targets
from hub.store import polls
from hub.store import stock_sync as store

#: a push job that waits or runs is enough: the schedule adds none beside it
ACTIVE = ("pending", "running")


@dataclass(slots=True)
class Due:
    fanout: bool = False
    pushes: list[str] = field(default_factory=list)
    drift: list[str] = field(default_factory=list)


async def enqueue_due(ctx: JobContext) -> Due:
    """A fan-out when SKUs are dirty and none is waiting; a push for each connection with
    pending rows and none waiting (after a back-off that grows with the rows' failed
    attempts); a drift check where it is due (``stock_drift_minutes``)."""
    found = targets(ctx.connections)
    due = Due()
    if not found:
        return due
    codes = {t.code for t in found}
    drift_every = {
        t.code: t.settings.stock_drift_minutes for t in found if isinstance(t.connector, ReadsStock)
    }

    def pick(conn: Connection) -> None:
        now = utcnow()
        if store.dirty(conn, 1):
            due.fanout = enqueue_once(conn, FANOUT_JOB, now=now)
        due.pushes.extend(_pushes(conn, codes, now))
        due.drift.extend(_drift_checks(conn, drift_every, now))

    await ctx.db.run_write(pick)
    if due.fanout or due.pushes or due.drift:
        ctx.db.signal_jobs()
    return due


def _pushes(conn: Connection, codes: set[str], now: datetime) -> list[str]:
    """A push per connection with pending rows, none active, after its back-off."""
    out = []
    for code, (count, attempts) in store.pending_summary(conn).items():
        if code not in codes or not count:
            continue
        wait = min(RETRY_CAP_SECONDS, 2.0**attempts) if attempts else 0.0
        at = now + timedelta(seconds=wait)
        if enqueue_once(conn, PUSH_JOB, code, now=now, states=ACTIVE, run_at=at):
            out.append(code)
    return out


def _drift_checks(conn: Connection, every: dict[str, float], now: datetime) -> list[str]:
    """A drift check per connection whose interval has passed since the last one."""
    out = []
    for code, minutes in every.items():
        if minutes <= 0:
            continue
        row = polls.get_sync(conn, code, DRIFT_STREAM)
        if row is None:  # first sight: start the clock, check after one interval
            polls.set_sync(conn, code, DRIFT_STREAM, None, now=now)
            continue
        if row.polled_at + timedelta(minutes=minutes) > now:
            continue
        if enqueue_once(conn, DRIFT_JOB, code, now=now, states=ACTIVE):
            out.append(code)
    return out
