"""Timeline taps see every event row in the writing transaction, and roll back with it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from hub.clock import utcnow
from hub.domain.lifecycle import EventKind
from hub.services.intake.writer import OrderWriter
from hub.store import event_taps
from hub.store.database import Database
from hub.store.orders import Event, add_events, event_row
from hub.store.tables import order_events
from tests.integration.test_ingest import body_of, order_data, request


async def test_a_tap_sees_the_rows_and_rolls_back_with_them(db: Database) -> None:
    seen: list[list[str]] = []

    def tap(conn: Any, rows: Any) -> None:
        seen.append([r["kind"] for r in rows])
        if any(r["actor"] == "boom" for r in rows):
            raise RuntimeError("tap refused")

    event_taps.tap_events("test", tap)
    try:
        async with OrderWriter(db, max_attempts=5) as w:
            order = body_of(await w.submit(request(order_data())))
        ok = Event(at=utcnow(), actor="op", kind=EventKind.HOLD)
        async with db.write() as conn:
            await add_events(conn, [event_row(order.id, ok)])
        bad = Event(at=utcnow(), actor="boom", kind=EventKind.RELEASE)
        with pytest.raises(RuntimeError):
            async with db.write() as conn:
                await add_events(conn, [event_row(order.id, bad)])
    finally:
        event_taps.untap_events("test")
    assert seen == [["received"], ["hold"], ["release"]]
    async with db.read() as conn:
        kinds = (await conn.execute(select(order_events.c.kind))).scalars().all()
    assert sorted(kinds) == ["hold", "received"]  # the refused tap took its event with it
