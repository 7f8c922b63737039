"""Buyer notifications in the database: the tap queues one row and one job per (order, event,
parcel) in the event's transaction, only for events the channel mails; the job keeps the
rendered mail without SMTP; ship_by passed without a parcel is marked once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import msgspec
import pytest
from sqlalchemy import select, update

from hub.bootstrap import build_registry
from hub.clock import utcnow
from hub.config import Settings
from hub.domain.lifecycle import EventKind, OrderStatus
from hub.domain.notifications import ALL_EVENTS
from hub.services.intake.writer import OrderWriter
from hub.services.notifications import overdue
from hub.services.notifications.tap import notification_tap
from hub.store import event_taps
from hub.store import notifications as store
from hub.store.database import Database
from hub.store.orders import Event, add_events, event_row
from hub.store.tables import jobs, orders
from hub.worker import Worker
from tests.integration.test_ingest import body_of, order_data, request


@pytest.fixture
def tapped() -> Any:
    chosen: dict[str, frozenset[str]] = {"shop-eu": ALL_EVENTS}
    event_taps.tap_events("notifications", notification_tap(
        lambda channel: chosen.get(channel, frozenset()), max_attempts=3))  # fmt: skip
    yield chosen
    event_taps.untap_events("notifications")


async def new_order(db: Database, **changes: Any) -> str:
    async with OrderWriter(db, max_attempts=5) as w:
        return body_of(await w.submit(request(order_data("order_callcentre", **changes)))).id


def accepted(order_id: str) -> dict[str, Any]:
    event = Event(at=utcnow(), actor="worker", kind=EventKind.ACCEPT,
                  from_status=OrderStatus.RECEIVED, to_status=OrderStatus.ACCEPTED)  # fmt: skip
    return event_row(order_id, event)


async def listed(db: Database, **filters: Any) -> list[store.Notification]:
    async with db.read() as conn:
        return await conn.run_sync(lambda c: store.list_notifications(c, limit=100, **filters))


async def send_jobs(db: Database) -> list[Any]:
    async with db.read() as conn:
        query = select(jobs).where(jobs.c.kind == "notifications.send")
        return list(await conn.execute(query))


async def test_one_notification_per_order_event_and_parcel(db: Database, tapped: Any) -> None:
    order_id = await new_order(db)
    shipped = Event(at=utcnow(), actor="op", kind=EventKind.SHIPMENT, detail={"shipment": "s1"})
    for _ in range(2):  # the same events again (a replay, a second accept): nothing new
        async with db.write() as conn:
            await add_events(conn, [accepted(order_id), event_row(order_id, shipped)])
    found = await listed(db, order_id=order_id)
    assert [(n.event, n.parcel, n.status) for n in found] == [
        ("order_confirmed", "", "queued"),
        ("shipped", "s1", "queued"),
    ]
    assert [msgspec.json.decode(j.payload) for j in await send_jobs(db)] == [
        {"notification": found[0].id},
        {"notification": found[1].id},
    ]


async def test_a_channel_that_mails_nothing_queues_nothing(db: Database, tapped: Any) -> None:
    tapped["shop-eu"] = frozenset({"shipped"})
    order_id = await new_order(db)
    async with db.write() as conn:
        await add_events(conn, [accepted(order_id)])
    assert await listed(db) == [] and await send_jobs(db) == []


async def test_a_refused_event_takes_its_notification_with_it(db: Database, tapped: Any) -> None:
    order_id = await new_order(db)
    with pytest.raises(RuntimeError):
        async with db.write() as conn:
            await add_events(conn, [accepted(order_id)])
            raise RuntimeError("the change failed after its event")
    assert await listed(db) == [] and await send_jobs(db) == []


async def test_without_smtp_the_mail_is_rendered_and_kept(db: Database, settings: Settings) -> None:
    worker = Worker(db, build_registry(settings), settings)  # registers the tap (callcentre)
    order_id = await new_order(db, channel="callcentre")
    async with db.write() as conn:
        await add_events(conn, [accepted(order_id)])
    while await worker.run_once():
        pass
    (n,) = await listed(db, event="order_confirmed")
    assert n.status == "kept" and n.sent_at is None and n.language == "de"
    assert n.subject == "Bestellung #1042 bestätigt"
    assert n.recipient == "Renée Müller-Øberg <renee@example.com>"
    assert "#1042" in (n.text or "") and "<html" in (n.html or "")
    assert (n.message_id or "").endswith("@localhost>")


async def test_the_channels_locale_wins_over_the_shipping_country(
    db: Database, settings: Settings
) -> None:
    """Shipped to Germany, bought in French (the channel's ``locale``): the mail is French,
    with the money formatted for fr-CA; a locale the hub ships no templates for falls back
    to the country's language."""
    worker = Worker(db, build_registry(settings), settings)
    french = await new_order(db, channel="callcentre", locale="fr-CA")
    other = await new_order(db, channel="callcentre", locale="pt-BR", external_id="X-2")
    async with db.write() as conn:
        await add_events(conn, [accepted(french), accepted(other)])
    while await worker.run_once():
        pass
    (n,) = await listed(db, event="order_confirmed", order_id=french)
    assert (n.status, n.language) == ("kept", "fr")
    assert "confirmée" in (n.subject or "")
    (m,) = await listed(db, event="order_confirmed", order_id=other)
    assert m.language == "de"


async def test_ship_by_passed_without_a_parcel_is_marked_once(db: Database, tapped: Any) -> None:
    now = utcnow()
    late = await new_order(db, ship_by=(now - timedelta(hours=1)).isoformat())
    early = await new_order(db, external_id="CC-2", ship_by=(now + timedelta(days=1)).isoformat())
    async with db.write() as conn:
        await conn.execute(update(orders).values(status=OrderStatus.ACCEPTED))
    assert await db.run_write(lambda c: overdue.mark(c, now)) == 1
    assert await db.run_write(lambda c: overdue.mark(c, now)) == 0
    (n,) = await listed(db)
    assert (n.order_id, n.event, n.facts) == (late, "delayed", {"reason": "not_shipped"})
    assert early != late
