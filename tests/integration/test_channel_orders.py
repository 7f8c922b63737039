"""Channel reports of an order: created once, updated while editable, cancellations followed."""

from __future__ import annotations

import msgspec
from sqlalchemy import select, update

from hub.clock import utcnow
from hub.domain.order import OrderData
from hub.sdk.connector import ChannelOrder
from hub.services import stock
from hub.services.intake.channel_orders import Applied, apply_sync
from hub.services.stock import LocationIn, MovementIn
from hub.store.database import Database
from hub.store.tables import order_events, order_lines, orders
from tests.conftest import PAYLOADS


def reported(state: str = "open", **changes: object) -> ChannelOrder:
    data = msgspec.json.decode((PAYLOADS / "order_callcentre.json").read_bytes(), type=OrderData)
    data = msgspec.structs.replace(data, channel="shop-eu", **changes)
    return ChannelOrder(order=data, state=state)  # type: ignore[arg-type]


async def apply(db: Database, report: ChannelOrder) -> Applied:
    return await db.run_write(
        lambda conn: apply_sync(conn, report, actor="channel:shop-eu", now=utcnow(), max_attempts=5)
    )


async def set_status(db: Database, order_id: str, status: str) -> None:
    async with db.write() as conn:
        await conn.execute(update(orders).where(orders.c.id == order_id).values(status=status))


async def order_row(db: Database, order_id: str) -> tuple[str, str | None, OrderData]:
    async with db.read() as conn:
        row = (await conn.execute(select(orders).where(orders.c.id == order_id))).one()
    return row.status, row.attention, msgspec.json.decode(row.doc, type=OrderData)


async def events(db: Database, order_id: str) -> list[tuple[str, str]]:
    async with db.read() as conn:
        rows = await conn.execute(
            select(order_events.c.kind, order_events.c.actor)
            .where(order_events.c.order_id == order_id)
            .order_by(order_events.c.id)
        )
        return [(r.kind, r.actor) for r in rows]


async def test_first_report_creates_and_a_repeat_changes_nothing(db: Database) -> None:
    first = await apply(db, reported())
    again = await apply(db, reported())
    assert first.created and not again.created and not again.updated
    assert again.order_id == first.order_id
    assert await events(db, first.order_id) == [("received", "channel:shop-eu")]


async def test_a_changed_report_updates_an_editable_order(db: Database) -> None:
    first = await apply(db, reported())
    await set_status(db, first.order_id, "accepted")
    base = reported().order
    fewer = msgspec.structs.replace(base.totals, subtotal=5800, discount=580, total=5710)
    result = await apply(db, reported(lines=base.lines[:1], totals=fewer, note="ring twice"))
    assert result.updated and result.order_id == first.order_id
    status, attention, doc = await order_row(db, first.order_id)
    assert (status, attention) == ("accepted", None)
    assert doc.note == "ring twice" and len(doc.lines) == 1
    async with db.read() as conn:
        skus = list(
            (
                await conn.execute(
                    select(order_lines.c.sku).where(order_lines.c.order_id == first.order_id)
                )
            ).scalars()
        )
    assert skus == ["TEE-ORG-BLK-M"]
    assert (await events(db, first.order_id))[-1] == ("updated", "channel:shop-eu")


async def test_a_change_after_release_is_flagged_not_applied(db: Database) -> None:
    first = await apply(db, reported())
    await set_status(db, first.order_id, "released")
    result = await apply(db, reported(note="changed too late"))
    assert not result.updated
    status, attention, doc = await order_row(db, first.order_id)
    assert status == "released" and doc.note == "Leave at the door"
    assert attention is not None and "note" in attention and "released" in attention
    assert (await events(db, first.order_id))[-1][0] == "update_refused"


async def test_a_channel_cancellation_cancels_an_unshipped_order(db: Database) -> None:
    first = await apply(db, reported())
    await set_status(db, first.order_id, "accepted")
    result = await apply(db, reported(state="cancelled"))
    assert result.cancelled
    status, attention, _ = await order_row(db, first.order_id)
    assert (status, attention) == ("cancelled", None)
    assert (await events(db, first.order_id))[-1] == ("cancel", "channel:shop-eu")
    again = await apply(db, reported(state="cancelled"))
    assert not again.cancelled  # already cancelled: nothing more happens


async def test_a_cancellation_after_shipping_is_flagged_for_an_operator(db: Database) -> None:
    first = await apply(db, reported())
    await set_status(db, first.order_id, "shipped")
    result = await apply(db, reported(state="cancelled"))
    assert not result.cancelled
    status, attention, _ = await order_row(db, first.order_id)
    assert status == "shipped"
    assert attention == "the channel cancelled the order after it was shipped"
    assert (await events(db, first.order_id))[-1][0] == "cancel_refused"


async def test_a_sale_fulfilled_at_the_till_arrives_delivered_and_leaves_the_store(
    db: Database,
) -> None:
    await stock.add_location(db, LocationIn(code="store", name="Store", connection="shop-eu"))
    await stock.add_location(db, LocationIn(code="wh", name="Warehouse", priority=1))
    sold = reported(state="fulfilled")
    moves = [
        MovementIn("receipt", ln.sku, loc, 5, "in")
        for ln in sold.order.lines
        for loc in ("store", "wh")
    ]
    await stock.post_movements(db, moves, actor="test")
    result = await apply(db, sold)
    status, attention, _ = await order_row(db, result.order_id)
    assert (status, attention) == ("delivered", None)
    assert [k for k, _ in await events(db, result.order_id)] == ["received", "fulfilled_on_channel"]
    for ln in sold.order.lines:  # taken from the till's location, not the warehouse
        view = await stock.get_stock(db, ln.sku)
        assert {x.location: x.on_hand for x in view.locations} == {
            "store": 5 - ln.quantity,
            "wh": 5,
        }


async def test_a_till_sale_with_no_store_location_is_flagged(db: Database) -> None:
    result = await apply(db, reported(state="fulfilled"))
    status, attention, _ = await order_row(db, result.order_id)
    assert status == "delivered"
    assert attention == (
        "a sale on shop-eu was not taken from stock: no location has connection 'shop-eu'"
    )


async def test_a_channel_fulfilment_of_an_order_the_hub_is_routing_is_flagged(
    db: Database,
) -> None:
    first = await apply(db, reported())
    await set_status(db, first.order_id, "allocated")
    await apply(db, reported(state="fulfilled"))
    status, attention, _ = await order_row(db, first.order_id)
    assert status == "allocated"
    assert attention == "the channel reports the order fulfilled while the hub has it allocated"
