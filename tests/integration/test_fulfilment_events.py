"""Partner events into fulfilment, on SQLite and PostgreSQL: statuses follow the parcels and
never go back (a stale carrier event about a delivered parcel is left alone), and what an
operator must see is flagged on the order and on its timeline."""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy import select

from hub.domain.order import OrderData, normalise
from hub.domain.routing import DEFAULT_RULES
from hub.sdk import FulfilmentCancelled, PartnerEvent, ShipmentReport, TrackingEvent
from hub.services import stock
from hub.services.fulfilment.shipments import apply_events
from hub.services.intake.accept import accept_received
from hub.services.intake.writer import IngestRequest, OrderWriter
from hub.services.routing.route import route_orders
from hub.services.stock import LocationIn, MovementIn
from hub.store.database import Database
from hub.store.tables import fulfilments, order_events, orders, shipments
from tests.conftest import PAYLOADS


async def released(db: Database, external_id: str) -> tuple[str, str]:
    """An order accepted, routed and released to the one location; (order id, fulfilment)."""
    raw = msgspec.json.decode((PAYLOADS / "order_minimal.json").read_bytes())
    data = normalise(
        msgspec.convert({**raw, "channel": "web", "external_id": external_id}, OrderData)
    )
    async with OrderWriter(db, max_attempts=5) as writer:
        order_id = (await writer.submit(IngestRequest(data=data, actor="test"))).order_id

    def run(conn: Any) -> None:
        accept_received(
            conn,
            [order_id],
            actor="test",
            router=lambda c, ids: route_orders(c, ids, rules=DEFAULT_RULES),
        )

    await db.run_write(run)
    async with db.read() as conn:
        query = select(fulfilments.c.id).where(fulfilments.c.order_id == order_id)
        return order_id, (await conn.execute(query)).scalar_one()


async def setup(db: Database) -> None:
    await stock.add_location(db, LocationIn(code="main", name="Main"))
    await stock.post_movements(
        db, [MovementIn("receipt", "BOOK-NOTES", "main", 10, "in")], actor="test"
    )


async def apply(db: Database, *events: PartnerEvent) -> list[str]:
    return await db.run_write(lambda conn: apply_events(conn, events, connection="wh"))


async def state(db: Database, order_id: str) -> tuple[str, str | None, list[str], list[str]]:
    """The order's status and attention, its fulfilments' and its parcels' statuses."""
    async with db.read() as conn:
        row = (await conn.execute(select(orders).where(orders.c.id == order_id))).one()
        f = await conn.execute(
            select(fulfilments.c.status).where(fulfilments.c.order_id == order_id)
        )
        p = await conn.execute(select(shipments.c.status).where(shipments.c.order_id == order_id))
        return row.status, row.attention, list(f.scalars()), list(p.scalars())


async def timeline(db: Database, order_id: str) -> list[tuple[str, Any]]:
    async with db.read() as conn:
        rows = await conn.execute(
            select(order_events.c.kind, order_events.c.to_status, order_events.c.detail)
            .where(order_events.c.order_id == order_id)
            .order_by(order_events.c.id)
        )
        return [(r.kind, r.to_status or (r.detail and msgspec.json.decode(r.detail))) for r in rows]


async def test_a_stale_carrier_event_never_takes_a_delivered_parcel_back(db: Database) -> None:
    await setup(db)
    order_id, fid = await released(db, "EV-1")
    shipped = ShipmentReport(fulfilment_ref=fid, tracking_number="T1", carrier="DHL")
    assert await apply(db, shipped) == [order_id]
    assert await state(db, order_id) == ("shipped", None, ["shipped"], ["in_transit"])

    await apply(db, TrackingEvent(tracking_number="T1", status="delivered"))
    assert await state(db, order_id) == ("delivered", None, ["delivered"], ["delivered"])
    before = await timeline(db, order_id)

    # the carrier's late in-transit event, then the warehouse's report of the same parcel
    late = TrackingEvent(tracking_number="T1", status="in_transit", detail="departed hub")
    assert await apply(db, late) == [order_id]
    await apply(db, shipped)
    assert await state(db, order_id) == ("delivered", None, ["delivered"], ["delivered"])
    assert await timeline(db, order_id) == before
    assert [to for kind, to in before if kind == "status"] == ["shipped", "delivered"]


async def test_partner_cancellations_and_shipments_of_them_are_flagged(db: Database) -> None:
    await setup(db)
    order_id, fid = await released(db, "EV-2")
    assert await apply(db, FulfilmentCancelled(fulfilment_ref=fid, detail="no stock")) == [order_id]
    cancelled = f"the partner cancelled fulfilment {fid}: no stock"
    assert await state(db, order_id) == ("released", cancelled, ["cancelled"], [])
    assert (await timeline(db, order_id))[-1] == ("fulfilment_cancelled", {"reason": cancelled})

    # shipped all the same: flagged again; a cancelled fulfilment moves nothing
    await apply(db, ShipmentReport(fulfilment_ref=fid, tracking_number="T2", status="delivered"))
    shipped = f"a cancelled fulfilment {fid} was shipped"
    assert await state(db, order_id) == ("released", shipped, ["cancelled"], ["delivered"])
    kinds = [kind for kind, _ in await timeline(db, order_id)]
    assert kinds[-2:] == ["cancelled_fulfilment_shipped", "shipment"]
