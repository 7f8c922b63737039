"""The timeline tap: the buyer mails a batch of order events calls for, queued in the
transaction that writes the events (a mail exists exactly when its event does)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, select

from hub.clock import utcnow
from hub.domain.notifications import mails_for
from hub.store import notifications as store
from hub.store.event_taps import EventTap
from hub.store.jobs import NewJob, enqueue_sync
from hub.store.tables import orders

SEND_JOB = "notifications.send"
TAP_NAME = "notifications"


def notification_tap(
    notify_events: Callable[[str], frozenset[str]], *, max_attempts: int
) -> EventTap:
    """A tap that queues each mail due on a channel whose ``notify`` lists its event.

    ``notify_events(channel)`` is the connection's list (``Connections.notify_events``)."""

    def tap(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
        due = [(row["order_id"], d) for row in rows for d in mails_for(row)]
        if not due:
            return
        ids = sorted({order_id for order_id, _ in due})
        query = select(orders.c.id, orders.c.channel).where(orders.c.id.in_(ids))
        channels: dict[str, str] = {r.id: r.channel for r in conn.execute(query)}
        queued = {
            (oid, d.event, d.parcel): {"order_id": oid, "event": d.event, "parcel": d.parcel,
                                       "channel": channels[oid], "facts": d.facts}
            for oid, d in due
            if oid in channels and d.event in notify_events(channels[oid])
        }  # fmt: skip
        now = utcnow()
        new = store.queue(conn, list(queued.values()), now=now)
        jobs = [NewJob(SEND_JOB, {"notification": n}) for n in new]
        enqueue_sync(conn, jobs, now=now, max_attempts=max_attempts)

    return tap
