"""From what happened to deliveries: the timeline tap and the explicit emits.

``timeline_tap`` is registered on the order timeline (``hub.store.event_taps``) by the
composition root: in the transaction that writes timeline rows it writes one pending
delivery (and its outbox job) per subscription that wants the row's event type, so a
delivery exists exactly when its event does. ``emit_sync`` does the same for events that
are not on an order's timeline (``stock.changed``, ``inbound.quarantined``, ``job.dead``).

The list of subscriptions is cached per database engine for ``webhook_cache_seconds``
(default 5 s) and dropped at once when this process changes a subscription, so a timeline
write with no subscriptions costs a dictionary look-up. A subscription made in another
process is seen by this one within that time.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

import msgspec
from sqlalchemy import Connection

from hub.clock import utcnow
from hub.domain.webhooks import EventType, timeline_types
from hub.store import subscriptions as store
from hub.store.subscriptions import Target
from hub.subscriptions.delivery import event_body

_cache: WeakKeyDictionary[Any, tuple[float, list[Target]]] = WeakKeyDictionary()
_ttl = [5.0]


def configure(cache_seconds: float) -> None:
    _ttl[0] = cache_seconds


def forget() -> None:
    """This process changed a subscription: read them again on the next event."""
    _cache.clear()


def _targets(conn: Connection) -> list[Target]:
    engine = conn.engine
    hit = _cache.get(engine)
    now = time.monotonic()
    if hit is not None and now - hit[0] < _ttl[0]:
        return hit[1]
    found = store.targets_sync(conn)
    _cache[engine] = (now, found)
    return found


def wants(conn: Connection, event_type: EventType) -> bool:
    """Whether any active subscription asks for ``event_type`` (to skip costly data)."""
    return any(event_type in t.event_types for t in _targets(conn))


def emit_sync(
    conn: Connection, event_type: EventType, events: Iterable[tuple[Any, datetime]]
) -> int:
    """Queue ``event_type`` with each (data, when) for every subscription that wants it,
    in the caller's transaction. Returns the deliveries queued."""
    subs = [t.id for t in _targets(conn) if event_type in t.event_types]
    if not subs:
        return 0
    items = []
    for data, at in events:
        body = event_body(event_type, at, data)
        items.extend((sub, event_type.value, body) for sub in subs)
    return len(store.queue_sync(conn, items, now=utcnow()))


def order_event_data(row: Mapping[str, Any]) -> dict[str, Any]:
    """The ``data`` of an order's timeline event (README "Outbound webhooks")."""
    detail = row.get("detail")
    if isinstance(detail, (str, bytes)):
        try:
            detail = msgspec.json.decode(detail)
        except msgspec.DecodeError:
            pass
    return {
        "order_id": row["order_id"],
        "kind": str(row["kind"]),
        "actor": row.get("actor"),
        "at": row["at"],
        "from_status": row.get("from_status"),
        "to_status": row.get("to_status"),
        "detail": detail,
    }


def timeline_tap(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """The order timeline's tap (``tap_events("webhooks", timeline_tap)``)."""
    targets = _targets(conn)
    if not targets:
        return
    items: list[tuple[str, str, bytes]] = []
    for row in rows:
        for event_type in timeline_types(row):
            subs = [t.id for t in targets if event_type in t.event_types]
            if subs:
                body = event_body(event_type, row["at"], order_event_data(row))
                items.extend((sub, event_type.value, body) for sub in subs)
    if items:
        store.queue_sync(conn, items, now=utcnow())
