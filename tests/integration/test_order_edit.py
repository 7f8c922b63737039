"""An operator's edit survives a later version of the order from its channel, unless the
channel changed that same field since."""

from __future__ import annotations

import msgspec
from sqlalchemy import select

from hub.clock import utcnow
from hub.domain.order import Address, OrderData
from hub.domain.order_edit import OrderPatch
from hub.sdk.connector import ChannelOrder
from hub.services import order_edit
from hub.services.intake.channel_orders import Applied, apply_sync
from hub.services.orders import get_detail
from hub.store.database import Database
from hub.store.tables import orders
from tests.conftest import PAYLOADS

FIXED = Address(name="Ana Lima", line1="Torstraße 12a", city="Berlin", country="DE")


def reported(**changes: object) -> ChannelOrder:
    data = msgspec.json.decode((PAYLOADS / "order_callcentre.json").read_bytes(), type=OrderData)
    return ChannelOrder(order=msgspec.structs.replace(data, channel="shop-eu", **changes))


async def apply(db: Database, report: ChannelOrder) -> Applied:
    return await db.run_write(
        lambda conn: apply_sync(conn, report, actor="channel:shop-eu", now=utcnow(), max_attempts=5)
    )


async def test_a_channel_update_keeps_the_operators_edit_unless_it_changed_that_field(
    db: Database,
) -> None:
    first = await apply(db, reported())
    patch = OrderPatch(shipping_address=FIXED, note="call first")
    await order_edit.edit(db, first.order_id, patch, actor="key:ops")

    # the channel sends the order again with only its tags changed
    tagged = await apply(db, reported(tags=["phone", "vip"]))
    assert tagged.updated
    detail = await get_detail(db, first.order_id)
    assert (detail.shipping_address, detail.note) == (FIXED, "call first")
    assert detail.tags == ["phone", "vip"]
    assert detail.timeline[-1].detail == {
        "changed": ["tags"],
        "operator_edits_kept": ["note", "shipping_address"],
    }

    # now the buyer changed the address at the channel: the channel's new one wins
    moved = Address(name="Ana Lima", line1="Kastanienallee 1", city="Berlin", country="DE")
    await apply(db, reported(tags=["phone", "vip"], shipping_address=moved))
    detail = await get_detail(db, first.order_id)
    assert (detail.shipping_address, detail.note) == (moved, "call first")
    assert detail.timeline[-1].detail == {
        "changed": ["shipping_address"],
        "operator_edits_kept": ["note"],
        "operator_edits_replaced_by_channel": ["shipping_address"],
    }
    async with db.read() as conn:
        edits = (await conn.execute(select(orders.c.edits))).scalar_one()
    assert set(msgspec.json.decode(edits)) == {"note"}  # only the note is still the operator's
