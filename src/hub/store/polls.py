"""Polling cursors: where each connection's last poll stopped, per stream."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from hub.store.tables import poll_cursors


def get_sync(conn: Connection, connection: str, stream: str) -> Row[Any] | None:
    return conn.execute(
        select(poll_cursors.c.cursor, poll_cursors.c.polled_at).where(
            poll_cursors.c.connection == connection, poll_cursors.c.stream == stream
        )
    ).first()


def set_sync(
    conn: Connection, connection: str, stream: str, cursor: str | None, *, now: datetime
) -> None:
    """Store the cursor (in the transaction that keeps what the poll fetched)."""
    done = conn.execute(
        update(poll_cursors)
        .where(poll_cursors.c.connection == connection, poll_cursors.c.stream == stream)
        .values(cursor=cursor, polled_at=now)
    )
    if not done.rowcount:
        conn.execute(
            insert(poll_cursors),
            [{"connection": connection, "stream": stream, "cursor": cursor, "polled_at": now}],
        )
