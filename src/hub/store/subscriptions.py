"""Outbound webhook subscriptions and their deliveries (tables in ``webhook_tables``).

A delivery's status moves only as ``domain.webhooks.DELIVERY_TRANSITIONS`` allows; every
write of it here checks that. Each delivery has one outbox job (``webhook.deliver``) while
it is pending or retrying; a replay queues a new one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.domain.ids import new_id
from hub.domain.webhooks import DeliveryStatus, require_delivery_move
from hub.store.jobs import NewJob, enqueue_sync
from hub.store.paging import any_of, keyset, where_all
from hub.store.webhook_tables import subscriptions, webhook_deliveries

DELIVER_JOB = "webhook.deliver"
#: a delivery job is tried for the partner span (24 h), not by count; this only bounds a
#: job whose worker keeps dying mid-send
JOB_MAX_ATTEMPTS = 1000


class Subscription(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    url: str
    event_types: list[str]
    allow_private: bool
    description: str | None
    secret: str
    previous_secret: str | None
    previous_until: datetime | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


class Delivery(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    subscription_id: str
    event_type: str
    body: bytes
    status: DeliveryStatus
    attempts: int
    status_code: int | None
    response_ms: int | None
    error: str | None
    created_at: datetime
    updated_at: datetime
    delivered_at: datetime | None


class Target(msgspec.Struct, frozen=True):
    """What the timeline tap needs of an active subscription: its id and event types."""

    id: str
    event_types: frozenset[str]


def _subscription(row: Any) -> Subscription:
    return Subscription(
        id=row.id,
        url=row.url,
        event_types=msgspec.json.decode(row.event_types),
        allow_private=bool(row.allow_private),
        description=row.description,
        secret=row.secret,
        previous_secret=row.previous_secret,
        previous_until=row.previous_until,
        created_at=row.created_at,
        updated_at=row.updated_at,
        deleted_at=row.deleted_at,
    )


def _delivery(row: Any) -> Delivery:
    return Delivery(
        id=row.id,
        subscription_id=row.subscription_id,
        event_type=row.event_type,
        body=bytes(row.body),
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        status_code=row.status_code,
        response_ms=row.response_ms,
        error=row.error,
        created_at=row.created_at,
        updated_at=row.updated_at,
        delivered_at=row.delivered_at,
    )


# Subscriptions


async def add(
    conn: AsyncConnection,
    *,
    url: str,
    event_types: Sequence[str],
    allow_private: bool,
    description: str | None,
    secret: str,
    now: datetime,
) -> Subscription:
    sub_id = new_id()
    await conn.execute(
        insert(subscriptions).values(
            id=sub_id,
            url=url,
            event_types=msgspec.json.encode(sorted(set(event_types))).decode(),
            allow_private=allow_private,
            description=description,
            secret=secret,
            created_at=now,
            updated_at=now,
        )
    )
    found = await get(conn, sub_id)
    assert found is not None
    return found


async def get(conn: AsyncConnection, sub_id: str) -> Subscription | None:
    """An active (not deleted) subscription."""
    query = select(subscriptions).where(
        subscriptions.c.id == sub_id, subscriptions.c.deleted_at.is_(None)
    )
    row = (await conn.execute(query)).first()
    return _subscription(row) if row else None


async def list_active(
    conn: AsyncConnection, *, after: str | None, limit: int
) -> list[Subscription]:
    query = select(subscriptions).where(subscriptions.c.deleted_at.is_(None))
    key = None if after is None else [after]
    found = await conn.execute(keyset(query, [subscriptions.c.id], key, limit=limit))
    return [_subscription(r) for r in found]


async def delete(conn: AsyncConnection, sub_id: str, *, now: datetime) -> bool:
    result = await conn.execute(
        update(subscriptions)
        .where(subscriptions.c.id == sub_id, subscriptions.c.deleted_at.is_(None))
        .values(deleted_at=now, updated_at=now)
    )
    return bool(result.rowcount)


async def rotate(
    conn: AsyncConnection, sub_id: str, *, secret: str, grace_until: datetime, now: datetime
) -> bool:
    """The new secret signs from now on; the current one also signs until ``grace_until``."""
    result = await conn.execute(
        update(subscriptions)
        .where(subscriptions.c.id == sub_id, subscriptions.c.deleted_at.is_(None))
        .values(
            previous_secret=subscriptions.c.secret,
            previous_until=grace_until,
            secret=secret,
            updated_at=now,
        )
    )
    return bool(result.rowcount)


def targets_sync(conn: Connection) -> list[Target]:
    """Every active subscription's id and event types (the tap's cached view)."""
    query = select(subscriptions.c.id, subscriptions.c.event_types).where(
        subscriptions.c.deleted_at.is_(None)
    )
    return [
        Target(r.id, frozenset(msgspec.json.decode(r.event_types))) for r in conn.execute(query)
    ]


# Deliveries


def queue_sync(
    conn: Connection, items: Iterable[tuple[str, str, bytes]], *, now: datetime
) -> list[str]:
    """One pending delivery and its outbox job per (subscription id, event type, body),
    in the caller's transaction. Returns the delivery ids."""
    rows = [
        {
            "id": new_id(),
            "subscription_id": sub_id,
            "event_type": event_type,
            "body": body,
            "status": DeliveryStatus.PENDING.value,
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        }
        for sub_id, event_type, body in items
    ]
    if not rows:
        return []
    conn.execute(insert(webhook_deliveries), rows)
    jobs = [NewJob(DELIVER_JOB, {"delivery": r["id"]}) for r in rows]
    enqueue_sync(conn, jobs, now=now, max_attempts=JOB_MAX_ATTEMPTS)
    return [r["id"] for r in rows]


def for_sending_sync(conn: Connection, delivery_id: str) -> tuple[Delivery, Subscription] | None:
    """A delivery and its subscription (deleted or not)."""
    d = webhook_deliveries
    row = conn.execute(select(d).where(d.c.id == delivery_id)).first()
    if row is None:
        return None
    sub = conn.execute(select(subscriptions).where(subscriptions.c.id == row.subscription_id))
    return _delivery(row), _subscription(sub.one())


def for_sending_many_sync(
    conn: Connection, delivery_ids: Sequence[str]
) -> dict[str, tuple[Delivery, Subscription]]:
    """``for_sending_sync`` for many deliveries in two queries, by delivery id."""
    d = webhook_deliveries
    rows = conn.execute(select(d).where(d.c.id.in_(list(delivery_ids)))).all()
    sub_ids = sorted({r.subscription_id for r in rows})
    subs = {
        r.id: _subscription(r)
        for r in conn.execute(select(subscriptions).where(subscriptions.c.id.in_(sub_ids)))
    }
    return {r.id: (_delivery(r), subs[r.subscription_id]) for r in rows}


class Attempt(msgspec.Struct, frozen=True, kw_only=True):
    """One recorded attempt for ``record_many_sync``: the delivery as it was read before
    the attempt, its new status, and the answer."""

    delivery: Delivery
    status: DeliveryStatus
    status_code: int | None = None
    response_ms: int | None = None
    error: str | None = None
    attempted: bool = True


def record_many_sync(conn: Connection, attempts: Sequence[Attempt], *, now: datetime) -> None:
    """Record many attempts in one statement (each move checked against the transition
    table; a delivery whose status changed since it was read is left as it is)."""
    if not attempts:
        return
    for a in attempts:
        require_delivery_move(a.delivery.status, a.status)
    d = webhook_deliveries
    rows = [
        {
            "b_id": a.delivery.id,
            "b_from": a.delivery.status.value,
            "b_status": a.status.value,
            "b_code": a.status_code,
            "b_ms": a.response_ms,
            "b_error": a.error,
            "b_tried": 1 if a.attempted else 0,
            "b_delivered": now if a.status is DeliveryStatus.DELIVERED else None,
        }
        for a in attempts
    ]
    statement = (
        update(d)
        .where(d.c.id == bindparam("b_id"), d.c.status == bindparam("b_from"))
        .values(
            status=bindparam("b_status"),
            status_code=bindparam("b_code"),
            response_ms=bindparam("b_ms"),
            error=bindparam("b_error"),
            attempts=d.c.attempts + bindparam("b_tried"),
            delivered_at=func.coalesce(bindparam("b_delivered", type_=d.c.delivered_at.type),
                                       d.c.delivered_at),
            updated_at=now,
        )
    )  # fmt: skip
    conn.execute(statement, rows)


def record_sync(
    conn: Connection,
    delivery_id: str,
    status: DeliveryStatus,
    *,
    now: datetime,
    status_code: int | None = None,
    response_ms: int | None = None,
    error: str | None = None,
    attempted: bool = True,
) -> None:
    """Record an attempt (or a decision without one): the status, checked against the
    transition table, and the answer's code, time and error."""
    d = webhook_deliveries
    current = conn.execute(select(d.c.status).where(d.c.id == delivery_id)).scalar_one()
    require_delivery_move(DeliveryStatus(current), status)
    values: dict[str, Any] = {
        "status": status.value,
        "status_code": status_code,
        "response_ms": response_ms,
        "error": error,
        "updated_at": now,
    }
    if attempted:
        values["attempts"] = d.c.attempts + 1
    if status is DeliveryStatus.DELIVERED:
        values["delivered_at"] = now
    conn.execute(update(d).where(d.c.id == delivery_id, d.c.status == current).values(values))


async def get_delivery(conn: AsyncConnection, sub_id: str, delivery_id: str) -> Delivery | None:
    d = webhook_deliveries
    query = select(d).where(d.c.id == delivery_id, d.c.subscription_id == sub_id)
    row = (await conn.execute(query)).first()
    return _delivery(row) if row else None


async def list_deliveries(
    conn: AsyncConnection,
    sub_id: str,
    *,
    status: Sequence[str] | None,
    after: str | None,
    limit: int,
) -> list[Delivery]:
    d = webhook_deliveries
    query = where_all(select(d), d.c.subscription_id == sub_id, any_of(d.c.status, status))
    key = None if after is None else [after]
    return [_delivery(r) for r in await conn.execute(keyset(query, [d.c.id], key, limit=limit))]


def replay_sync(conn: Connection, ids: Sequence[str], *, now: datetime) -> int:
    """Put deliveries back to pending (each as the transition table allows) with a fresh
    outbox job; their attempts start again. Returns how many."""
    d = webhook_deliveries
    rows = conn.execute(select(d.c.id, d.c.status).where(d.c.id.in_(list(ids)))).all()
    for row in rows:
        require_delivery_move(DeliveryStatus(row.status), DeliveryStatus.PENDING)
    if not rows:
        return 0
    conn.execute(
        update(d)
        .where(d.c.id.in_([r.id for r in rows]))
        .values(status=DeliveryStatus.PENDING.value, attempts=0, updated_at=now)
    )
    jobs = [NewJob(DELIVER_JOB, {"delivery": r.id}) for r in rows]
    enqueue_sync(conn, jobs, now=now, max_attempts=JOB_MAX_ATTEMPTS)
    return len(rows)


def ids_in_states_sync(conn: Connection, sub_id: str, states: Iterable[str]) -> list[str]:
    d = webhook_deliveries
    query = select(d.c.id).where(d.c.subscription_id == sub_id, d.c.status.in_(list(states)))
    return [r.id for r in conn.execute(query.order_by(d.c.id))]
