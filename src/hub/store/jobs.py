"""The outbox: durable jobs written in the same transaction as the change that causes them.

States: ``pending`` (waiting for ``run_at``), ``running`` (claimed under a lease), ``done``,
``dead`` (parked after its last attempt, with the last error, until an operator replays it).
The operator also sees ``retrying``: a pending job that has failed at least once, with its
next attempt at ``run_at`` (``Job.shown_state``; ``list_jobs`` and ``counts`` take it).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy import Connection, and_, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.store.bulk import insert_rows
from hub.store.paging import any_of, keyset, where_all
from hub.store.tables import jobs

STATES = ("pending", "running", "done", "dead")  # stored
#: what the operator sees: ``retrying`` is a pending job after a failed attempt
SHOWN_STATES = ("pending", "retrying", "running", "done", "dead")


class Job(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    kind: str
    payload: dict[str, Any]
    state: str
    attempts: int
    max_attempts: int
    run_at: datetime
    lease_until: datetime | None = None
    locked_by: str | None = None
    last_error: str | None = None
    created_at: datetime
    updated_at: datetime

    @property
    def shown_state(self) -> str:
        """``retrying`` for a pending job that has been tried; else the stored state."""
        return "retrying" if self.state == "pending" and self.attempts > 0 else self.state

    @property
    def next_attempt_at(self) -> datetime | None:
        """When a pending job runs next (None in any other state)."""
        return self.run_at if self.state == "pending" else None


class NewJob(msgspec.Struct, frozen=True):
    kind: str
    payload: dict[str, Any]


def _job(row: Any) -> Job:
    return Job(
        id=row.id,
        kind=row.kind,
        payload=msgspec.json.decode(row.payload),
        state=row.state,
        attempts=row.attempts,
        max_attempts=row.max_attempts,
        run_at=row.run_at,
        lease_until=row.lease_until,
        locked_by=row.locked_by,
        last_error=row.last_error,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def job_rows(new: Iterable[NewJob], *, now: datetime, max_attempts: int) -> list[dict[str, Any]]:
    return [
        {
            "kind": j.kind,
            "payload": msgspec.json.encode(j.payload),
            "state": "pending",
            "attempts": 0,
            "max_attempts": max_attempts,
            "run_at": now,
            "created_at": now,
            "updated_at": now,
        }
        for j in new
    ]


def enqueue_sync(
    conn: Connection, new: Sequence[NewJob], *, now: datetime, max_attempts: int
) -> None:
    """Write jobs inside the caller's transaction; they exist exactly when it commits."""
    if new:
        insert_rows(conn, jobs, job_rows(new, now=now, max_attempts=max_attempts))


def enqueue_unless_active_sync(
    conn: Connection,
    job: NewJob,
    *,
    now: datetime,
    max_attempts: int,
    states: Collection[str] = ("pending", "running"),
    run_at: datetime | None = None,
) -> bool:
    """Enqueue ``job`` unless one of the same kind and payload is in ``states``.

    For jobs that stand for "do what is due" (poll a connection, push its stock): one
    waiting is enough. Two racing transactions may both enqueue; the second run then
    finds nothing to do. Returns True when a job was written.
    """
    payload = msgspec.json.encode(job.payload)
    active = conn.execute(
        select(jobs.c.id)
        .where(jobs.c.kind == job.kind, jobs.c.state.in_(list(states)), jobs.c.payload == payload)
        .limit(1)
    ).first()
    if active is not None:
        return False
    rows = job_rows([job], now=now, max_attempts=max_attempts)
    if run_at is not None:
        rows[0]["run_at"] = run_at
    conn.execute(insert(jobs), rows)
    return True


async def enqueue(
    conn: AsyncConnection, new: Sequence[NewJob], *, now: datetime, max_attempts: int
) -> None:
    """``enqueue_sync`` for an async transaction."""
    await conn.run_sync(enqueue_sync, new, now=now, max_attempts=max_attempts)


def claim_sync(
    conn: Connection,
    *,
    worker: str,
    limit: int,
    now: datetime,
    lease: timedelta,
    kinds: Collection[str] | None = None,
    except_kinds: Collection[str] = (),
) -> list[Job]:
    """Take up to ``limit`` due jobs under a lease. Concurrent claimers never share a job.

    ``kinds`` limits the claim to those kinds; ``except_kinds`` leaves those out.
    """
    where = [jobs.c.state == "pending", jobs.c.run_at <= now]
    if kinds is not None:
        where.append(jobs.c.kind.in_(list(kinds)))
    if except_kinds:
        where.append(jobs.c.kind.not_in(list(except_kinds)))
    due = (
        select(jobs.c.id)
        .where(and_(*where))
        .order_by(jobs.c.run_at, jobs.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    result = conn.execute(
        update(jobs)
        .where(jobs.c.id.in_(due))
        .values(
            state="running",
            attempts=jobs.c.attempts + 1,
            lease_until=now + lease,
            locked_by=worker,
            updated_at=now,
        )
        .returning(*jobs.c)
    )
    return sorted((_job(r) for r in result), key=lambda j: j.id)


def extend_leases_sync(
    conn: Connection, ids: Sequence[int], *, worker: str, until: datetime
) -> None:
    if ids:
        conn.execute(
            update(jobs)
            .where(jobs.c.id.in_(ids), jobs.c.state == "running", jobs.c.locked_by == worker)
            .values(lease_until=until)
        )


def reap_expired_sync(conn: Connection, *, now: datetime, dead: list[Job] | None = None) -> int:
    """Jobs whose worker died mid-run (lease expired) run again, or die if out of attempts
    (those are appended to ``dead``)."""
    expired = and_(jobs.c.state == "running", jobs.c.lease_until < now)
    died = conn.execute(
        update(jobs)
        .where(expired, jobs.c.attempts >= jobs.c.max_attempts)
        .values(
            state="dead",
            last_error="lease expired on the last attempt (the worker stopped mid-job)",
            updated_at=now,
        )
        .returning(*jobs.c)
    ).all()
    if dead is not None:
        dead.extend(_job(r) for r in died)
    again = conn.execute(
        update(jobs)
        .where(expired)
        .values(state="pending", run_at=now, locked_by=None, lease_until=None, updated_at=now)
    )
    return len(died) + (again.rowcount or 0)


def complete_sync(conn: Connection, ids: Sequence[int], *, worker: str, now: datetime) -> None:
    if ids:
        conn.execute(
            update(jobs)
            .where(jobs.c.id.in_(ids), jobs.c.locked_by == worker, jobs.c.state == "running")
            .values(state="done", lease_until=None, updated_at=now)
        )


def fail_sync(
    conn: Connection,
    job_id: int,
    *,
    worker: str,
    error: str,
    now: datetime,
    retry_at: datetime | None,
) -> None:
    """Record a failed attempt: back to pending at ``retry_at``, or dead when it is None."""
    values: dict[str, Any] = {"last_error": error, "lease_until": None, "updated_at": now}
    if retry_at is None:
        values["state"] = "dead"
    else:
        values.update(state="pending", run_at=retry_at, locked_by=None)
    conn.execute(
        update(jobs)
        .where(jobs.c.id == job_id, jobs.c.locked_by == worker, jobs.c.state == "running")
        .values(**values)
    )


def defer_sync(
    conn: Connection, job_id: int, *, worker: str, note: str, now: datetime, run_at: datetime
) -> None:
    """The job's call was held back, not tried (its connection is paused, no rate token):
    back to pending at ``run_at`` with its attempt given back, ``note`` saying why."""
    conn.execute(
        update(jobs)
        .where(jobs.c.id == job_id, jobs.c.locked_by == worker, jobs.c.state == "running")
        .values(
            state="pending",
            attempts=jobs.c.attempts - 1,
            run_at=run_at,
            locked_by=None,
            lease_until=None,
            last_error=note,
            updated_at=now,
        )
    )


def _state_filter(state: str) -> Any:
    """A shown state as a condition on the stored columns."""
    if state == "retrying":
        return and_(jobs.c.state == "pending", jobs.c.attempts > 0)
    if state == "pending":
        return and_(jobs.c.state == "pending", jobs.c.attempts == 0)
    return jobs.c.state == state


async def get(conn: AsyncConnection, job_id: int) -> Job | None:
    row = (await conn.execute(select(jobs).where(jobs.c.id == job_id))).first()
    return _job(row) if row else None


async def list_jobs(
    conn: AsyncConnection,
    *,
    state: str | Sequence[str] | None,
    kind: str | Sequence[str] | None,
    after: int | None,
    limit: int,
) -> list[Job]:
    """Jobs by id (oldest first) after ``after``; a list of states (shown states: pending,
    retrying, running, done, dead) or kinds means any of."""
    states = [state] if isinstance(state, str) else state
    wanted = None if not states else or_(*(_state_filter(s) for s in sorted(set(states))))
    query = where_all(select(jobs), wanted, any_of(jobs.c.kind, kind))
    key = None if after is None else [after]
    return [_job(r) for r in await conn.execute(keyset(query, [jobs.c.id], key, limit=limit))]


async def counts(conn: AsyncConnection, *, limit: int | None = None) -> dict[str, int]:
    """Jobs per shown state (``retrying`` apart from ``pending``), each counted over the
    ``state`` index; with ``limit``, a count stops at ``limit + 1`` (more than ``limit``)."""
    found: dict[str, int] = {}
    for state in SHOWN_STATES:
        some = select(jobs.c.id).where(_state_filter(state))
        if limit is not None:
            some = some.limit(limit + 1)
        n = await conn.scalar(select(func.count()).select_from(some.subquery()))
        found[state] = int(n or 0)
    return found


async def replay(conn: AsyncConnection, job_id: int, *, now: datetime) -> bool:
    """Put a dead job back in the queue with fresh attempts. False if it is not dead."""
    result = await conn.execute(
        update(jobs)
        .where(jobs.c.id == job_id, jobs.c.state == "dead")
        .values(state="pending", attempts=0, run_at=now, locked_by=None, updated_at=now)
    )
    return bool(result.rowcount)


async def purge_done(conn: AsyncConnection, *, before: datetime) -> int:
    result = await conn.execute(
        delete(jobs).where(jobs.c.state == "done", jobs.c.updated_at < before)
    )
    return result.rowcount or 0


# Async forms of the writes above, for code holding an AsyncConnection.


async def claim(
    conn: AsyncConnection, *, worker: str, limit: int, now: datetime, lease: timedelta
) -> list[Job]:
    """``claim_sync`` inside an async transaction."""
    return await conn.run_sync(claim_sync, worker=worker, limit=limit, now=now, lease=lease)


async def extend_leases(
    conn: AsyncConnection, ids: Sequence[int], *, worker: str, until: datetime
) -> None:
    """``extend_leases_sync`` inside an async transaction."""
    return await conn.run_sync(extend_leases_sync, ids, worker=worker, until=until)


async def reap_expired(conn: AsyncConnection, *, now: datetime) -> int:
    """``reap_expired_sync`` inside an async transaction."""
    return await conn.run_sync(reap_expired_sync, now=now)


async def complete(
    conn: AsyncConnection, ids: Sequence[int], *, worker: str, now: datetime
) -> None:
    """``complete_sync`` inside an async transaction."""
    return await conn.run_sync(complete_sync, ids, worker=worker, now=now)


async def fail(
    conn: AsyncConnection,
    job_id: int,
    *,
    worker: str,
    error: str,
    now: datetime,
    retry_at: datetime | None,
) -> None:
    """``fail_sync`` inside an async transaction."""
    return await conn.run_sync(
        fail_sync, job_id, worker=worker, error=error, now=now, retry_at=retry_at
    )
