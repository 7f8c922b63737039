"""The stock sync job kinds, and how each is put on the queue.

- ``stock.fanout`` (local): dirty SKUs -> pending rows per connection (``fanout``).
- ``stock.push``: one connection's pending figures to its partner (``push``).
- ``stock.drift``: one connection's figures read back and compared (``drift``).

Their handlers are registered by ``hub.services.stock_sync.register``.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Connection

from hub.store import jobs as job_store
from hub.store.jobs import NewJob

FANOUT_JOB = "stock.fanout"
PUSH_JOB = "stock.push"
DRIFT_JOB = "stock.drift"
JOB_ATTEMPTS = 8
#: the longest a push waits to be tried again (after failures, or a resync's pause)
RETRY_CAP_SECONDS = 600.0
#: "one waiting is enough": a job already pending will see the newest state when it runs
WAITING = ("pending",)


def _job(kind: str, code: str | None) -> NewJob:
    return NewJob(kind, {} if code is None else {"connection": code})


def enqueue_once(
    conn: Connection,
    kind: str,
    code: str | None = None,
    *,
    now: datetime,
    states: Collection[str] = WAITING,
    run_at: datetime | None = None,
) -> bool:
    """Enqueue ``kind`` (for connection ``code``; None: the fan-out, for all) unless one is
    in ``states``, inside the caller's transaction. Returns True when a job was written."""
    return job_store.enqueue_unless_active_sync(
        conn, _job(kind, code), now=now, max_attempts=JOB_ATTEMPTS, states=states, run_at=run_at
    )


def enqueue_again(conn: Connection, kind: str, code: str | None = None, *, now: datetime) -> None:
    """Enqueue ``kind`` even though one may be waiting: a run that left work for the next."""
    job_store.enqueue_sync(conn, [_job(kind, code)], now=now, max_attempts=JOB_ATTEMPTS)
