"""Buyer notifications: queue once per (order, event, parcel), render once, move status only
as ``hub.domain.notifications.NOTIFICATION_TRANSITIONS`` allows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import Connection, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from hub.domain.lifecycle import TransitionRefused
from hub.domain.notifications import (
    NOTIFICATION_TRANSITIONS,
    NotificationStatus,
    can_move_notification,
)
from hub.store.notification_tables import notifications
from hub.store.paging import any_of, keyset, where_all


class Notification(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    order_id: str
    event: str
    parcel: str
    status: NotificationStatus
    channel: str
    facts: dict[str, Any]
    recipient: str | None
    message_id: str | None
    subject: str | None
    text: str | None
    html: str | None
    language: str | None
    attachment: str | None
    error: str | None
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None

    @property
    def rendered(self) -> bool:
        return self.subject is not None


class Rendered(msgspec.Struct, frozen=True, kw_only=True):
    recipient: str
    message_id: str
    subject: str
    text: str
    html: str
    language: str
    attachment: str | None = None


def _notification(row: Any) -> Notification:
    fields = dict(row._mapping)
    fields["facts"] = msgspec.json.decode(row.facts) if row.facts else {}
    fields["status"] = NotificationStatus(row.status)
    return Notification(**fields)


def queue(conn: Connection, rows: Sequence[dict[str, Any]], *, now: datetime) -> list[int]:
    """Queue the notifications of ``rows`` (order_id, event, parcel, channel, facts) that do
    not exist yet; returns the ids of the new ones (a repeat of a key adds nothing)."""
    if not rows:
        return []
    values = [
        {
            "order_id": r["order_id"],
            "event": r["event"],
            "parcel": r["parcel"],
            "channel": r["channel"],
            "facts": msgspec.json.encode(r.get("facts") or {}).decode(),
            "status": NotificationStatus.QUEUED,
            "created_at": now,
            "updated_at": now,
        }
        for r in rows
    ]
    ins = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    query = ins(notifications).values(values).on_conflict_do_nothing()
    return [r.id for r in conn.execute(query.returning(notifications.c.id))]


def get(conn: Connection, notification_id: int) -> Notification | None:
    row = conn.execute(select(notifications).where(notifications.c.id == notification_id)).first()
    return _notification(row) if row is not None else None


def find(conn: Connection, order_id: str, event: str, parcel: str = "") -> Notification | None:
    row = conn.execute(
        select(notifications).where(
            notifications.c.order_id == order_id,
            notifications.c.event == event,
            notifications.c.parcel == parcel,
        )
    ).first()
    return _notification(row) if row is not None else None


def list_notifications(
    conn: Connection,
    *,
    order_id: str | Sequence[str] | None = None,
    event: str | Sequence[str] | None = None,
    status: str | Sequence[str] | None = None,
    after: int | None = None,
    limit: int,
) -> list[Notification]:
    """Oldest first, keyset-paged on the id."""
    query = where_all(
        select(notifications),
        any_of(notifications.c.order_id, order_id),
        any_of(notifications.c.event, event),
        any_of(notifications.c.status, status),
    )
    query = keyset(query, [notifications.c.id], (after,) if after else None, limit=limit)
    return [_notification(r) for r in conn.execute(query)]


def failed_since(conn: Connection, since: datetime, *, limit: int) -> list[Notification]:
    """The notifications that failed since ``since``, newest first."""
    n = notifications.c
    query = select(notifications).where(n.status == "failed", n.updated_at >= since)
    return [_notification(r) for r in conn.execute(query.order_by(n.id.desc()).limit(limit))]


def keep_rendered(conn: Connection, notification_id: int, mail: Rendered, *, now: datetime) -> bool:
    """Keep the rendered mail on a queued notification that has none yet (a retry sends the
    very mail the first attempt rendered). False when it had one already."""
    result = conn.execute(
        update(notifications)
        .where(
            notifications.c.id == notification_id,
            notifications.c.status == NotificationStatus.QUEUED,
            notifications.c.subject.is_(None),
        )
        .values(**msgspec.structs.asdict(mail), updated_at=now)
    )
    return result.rowcount == 1


def move(
    conn: Connection,
    notification_id: int,
    current: NotificationStatus,
    target: NotificationStatus,
    *,
    now: datetime,
    error: str | None = None,
) -> bool:
    """Move a notification from ``current`` to ``target`` (refused unless the transition
    table allows it); False when it was no longer ``current``."""
    if not can_move_notification(current, target):
        raise TransitionRefused(
            current, target, what="a notification", table=NOTIFICATION_TRANSITIONS
        )
    values: dict[str, Any] = {"status": target, "updated_at": now, "error": error}
    if target == NotificationStatus.SENT:
        values["sent_at"] = now
    result = conn.execute(
        update(notifications)
        .where(notifications.c.id == notification_id, notifications.c.status == current)
        .values(**values)
    )
    return result.rowcount == 1


def note_error(conn: Connection, notification_id: int, error: str, *, now: datetime) -> None:
    """Why the last attempt of a queued notification did not go out (it will be retried)."""
    conn.execute(
        update(notifications)
        .where(
            notifications.c.id == notification_id,
            notifications.c.status == NotificationStatus.QUEUED,
        )
        .values(error=error[:2000], updated_at=now)
    )
