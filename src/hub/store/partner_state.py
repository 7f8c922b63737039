"""Partner state shared by every worker (synchronous: run inside ``Database.run_write`` or a
read's ``run_sync``): circuit breakers (``hub.domain.breaker``) and token buckets
(``hub.infra.ratelimit``).

Every change is a read-modify-write of one row in one write transaction: the row is made
first if missing (insert, ignoring a conflict), then read ``FOR UPDATE`` on PostgreSQL
(SQLite's ``BEGIN IMMEDIATE`` already serialises writers, across processes too), so two
workers never both take the last token or both lose a failure.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from hub.domain.breaker import Breaker, BreakerPolicy, BreakerState, answered, failed
from hub.infra.ratelimit import TokenBucket
from hub.store.partner_tables import partner_breakers, rate_buckets


def _insert_missing(conn: Connection, table: Any, row: dict[str, Any]) -> None:
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(insert(table).values(**row).on_conflict_do_nothing())


def _breaker(row: Any) -> Breaker:
    return Breaker(
        state=BreakerState(row.state),
        failures=row.failures,
        opened=row.opened,
        open_until=row.open_until,
        last_error=row.last_error,
        last_failure_at=row.last_failure_at,
    )


def breaker(conn: Connection, connection: str) -> Breaker | None:
    row = conn.execute(
        select(partner_breakers).where(partner_breakers.c.connection == connection)
    ).first()
    return _breaker(row) if row is not None else None


def breakers(conn: Connection) -> dict[str, Breaker]:
    """Every connection's breaker that has ever counted a failure."""
    return {r.connection: _breaker(r) for r in conn.execute(select(partner_breakers))}


def _change(
    conn: Connection, connection: str, now: datetime, change: Callable[[Breaker], Breaker]
) -> Breaker:
    _insert_missing(
        conn,
        partner_breakers,
        {
            "connection": connection,
            "state": BreakerState.CLOSED.value,
            "failures": 0,
            "opened": 0,
            "updated_at": now,
        },
    )
    row = conn.execute(
        select(partner_breakers)
        .where(partner_breakers.c.connection == connection)
        .with_for_update()
    ).one()
    new = change(_breaker(row))
    conn.execute(
        update(partner_breakers)
        .where(partner_breakers.c.connection == connection)
        .values(
            state=new.state.value,
            failures=new.failures,
            opened=new.opened,
            open_until=new.open_until,
            last_error=new.last_error,
            last_failure_at=new.last_failure_at,
            updated_at=now,
        )
    )
    return new


def record_failure(
    conn: Connection, connection: str, *, now: datetime, error: str, policy: BreakerPolicy
) -> Breaker:
    """A call of ``connection`` timed out or could not connect; returns the new state."""
    return _change(conn, connection, now, lambda b: failed(b, now, error[:2000], policy))


def record_answer(conn: Connection, connection: str, *, now: datetime) -> None:
    """The partner answered: close the breaker (a no-op when it is clean)."""
    if breaker(conn, connection) is not None:
        _change(conn, connection, now, answered)


def take_probe(conn: Connection, connection: str, *, now: datetime, lease: timedelta) -> bool:
    """Become the one caller let through a breaker whose pause is over. False when another
    caller took the probe first (or the breaker closed meanwhile)."""
    done = conn.execute(
        update(partner_breakers)
        .where(
            partner_breakers.c.connection == connection,
            partner_breakers.c.state != BreakerState.CLOSED.value,
            partner_breakers.c.open_until <= now,
        )
        .values(state=BreakerState.HALF_OPEN.value, open_until=now + lease, updated_at=now)
    )
    return bool(done.rowcount)


def take_token(
    conn: Connection,
    key: str,
    *,
    rate: float,
    burst: float,
    clock: Callable[[], float],
    reserve: bool,
) -> float:
    """Take a token of bucket ``key`` (``clock``: seconds since the epoch, read inside the
    transaction). Returns 0 when one was free; else the seconds until one is: with
    ``reserve`` the token is taken anyway (the caller sleeps that long before its call),
    without it nothing is taken. The bucket's time never goes back (clocks of two
    machines may differ a little): an earlier reading counts as the stored one."""
    _insert_missing(conn, rate_buckets, {"key": key, "tokens": max(1.0, burst), "stamp": clock()})
    row = conn.execute(
        select(rate_buckets.c.tokens, rate_buckets.c.stamp)
        .where(rate_buckets.c.key == key)
        .with_for_update()
    ).one()
    now = max(clock(), row.stamp)
    bucket = TokenBucket.restore(rate, burst, tokens=row.tokens, stamp=row.stamp, clock=lambda: now)
    wait = bucket.take() if reserve else bucket.try_take()
    conn.execute(
        update(rate_buckets)
        .where(rate_buckets.c.key == key)
        .values(tokens=bucket.tokens, stamp=bucket.stamp)
    )
    return wait
