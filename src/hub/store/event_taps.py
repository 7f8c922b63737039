"""Taps on the order timeline: code that reacts to every event in the same transaction.

Notifications and outbound webhooks hang off the timeline: a tap sees each batch of
``order_events`` rows as it is written and queues what it needs (a mail job, a webhook
delivery) in that transaction, so an effect exists exactly when its event does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection

from hub.store.bulk import insert_rows
from hub.store.tables import order_events

EventTap = Callable[[Connection, Sequence[dict[str, Any]]], None]
_taps: dict[str, EventTap] = {}


def tap_events(name: str, tap: EventTap) -> None:
    """Call ``tap(conn, rows)`` with every batch of timeline rows, in the transaction that
    writes them (after the insert), so what a tap queues (a mail, a webhook) commits or rolls
    back with the event itself. Registered by name from the composition root; the same name
    again replaces it. A tap that raises rolls the write back."""
    _taps[name] = tap


def untap_events(name: str) -> None:
    _taps.pop(name, None)


def write_events(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    insert_rows(conn, order_events, rows)
    for tap in tuple(_taps.values()):
        tap(conn, rows)
