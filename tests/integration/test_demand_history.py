"""The demand aggregate follows the orders: bundles as components, locations from the stock
ledger, cancelled orders taken out again, changed orders re-counted, returns as their own
series; every update idempotent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import msgspec
from litestar.testing import AsyncTestClient
from sqlalchemy import Connection, select, update

from hub.clock import utcnow
from hub.config import Settings
from hub.domain.order import OrderData
from hub.services.demand import rebuild, record_returned, update_demand
from hub.services.demand.update import CURSOR, LOOKBACK
from hub.store import orders as order_store
from hub.store import polls
from hub.store.database import Database
from hub.store.planning_tables import demand_entries
from hub.store.tables import orders
from tests.e2e.test_catalog_api import item, put
from tests.e2e.test_stock_api import setup_locations
from tests.support.planning import cells, place, receive, work

DAY = date(2025, 3, 14)


async def test_bundles_locations_and_a_cancel(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    await setup_locations(client, auth)
    kit = item("KIT", components={"PAD": 2, "PEN": 1})
    assert (await put(client, auth, item("PAD", aliases=["PAD-OLD"]), item("PEN"), kit)).is_success
    await receive(client, auth, ("PAD", "main", 10), ("PEN", "main", 1), ("PEN", "tpl", 5))
    first = await place(client, auth, "A", {"KIT": 2, "PAD-OLD": 1})  # PAD 5, PEN 2
    await work(db, settings)  # accepted and routed: split, PAD from main and PEN from tpl
    assert await update_demand(db) == 1
    got = await cells(db)
    # the bundle itself is no series; its components are, where they were reserved
    assert got == {
        ("PAD", "callcentre", DAY, "main", "sold"): 5,
        ("PEN", "callcentre", DAY, "tpl", "sold"): 2,
    }

    assert await update_demand(db) == 0  # nothing changed: nothing counted twice
    assert await cells(db) == got

    second = await place(client, auth, "B", {"PEN": 1}, placed_at="2025-03-15T23:30:00+02:00")
    assert await update_demand(db) == 1
    assert (await cells(db))[("PEN", "callcentre", date(2025, 3, 15), "", "sold")] == 1

    r = await client.post(f"/orders/{first}/cancel", headers=auth)
    assert r.status_code == 200, r.text
    assert await update_demand(db) == 1
    assert await cells(db) == {("PEN", "callcentre", date(2025, 3, 15), "", "sold"): 1}
    async with db.read() as conn:
        refs = set((await conn.execute(select(demand_entries.c.ref))).scalars())
    assert refs == {f"order:{second}"}


async def test_a_held_order_moves_to_its_location_when_it_is_accepted(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    await setup_locations(client, auth)
    order = await place(client, auth, "H", {"MUG": 3})
    await update_demand(db)
    assert await cells(db) == {("MUG", "callcentre", DAY, "", "sold"): 3}
    await work(db, settings)  # no stock: on hold
    await receive(client, auth, ("MUG", "tpl", 3))
    assert (await client.post(f"/orders/{order}/release", headers=auth)).status_code == 200
    await work(db, settings)
    assert (await client.get(f"/orders/{order}", headers=auth)).json()["status"] == "released"
    await update_demand(db)
    assert await cells(db) == {("MUG", "callcentre", DAY, "tpl", "sold"): 3}
    # shipped from there: the units stay where they left from
    open_work = await client.get("/fulfilments?location=tpl&status=open", headers=auth)
    (fulfilment,) = open_work.json()["items"]
    shipped = {"carrier": "DHL", "tracking_number": "JD01"}
    r = await client.post(f"/fulfilments/{fulfilment['id']}/shipments", json=shipped, headers=auth)
    assert r.status_code in (200, 201), r.text
    assert (await client.get(f"/orders/{order}", headers=auth)).json()["status"] == "shipped"
    assert await update_demand(db) == 1
    assert await cells(db) == {("MUG", "callcentre", DAY, "tpl", "sold"): 3}


async def test_a_changed_order_is_counted_again_and_a_rebuild_changes_nothing(
    client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    order = await place(client, auth, "C", {"TEE": 2, "CAP": 1})
    await update_demand(db)

    def change(conn: Connection) -> None:  # the channel sent new lines (replace_content)
        current = order_store.load(conn, order)
        fields = {f: getattr(current, f) for f in OrderData.__struct_fields__}
        lines = [msgspec.structs.replace(current.lines[0], quantity=5)]
        data = OrderData(**(fields | {"lines": lines}))
        order_store.replace_from_channel(
            conn, order, data, "changed", now=utcnow(), search="", edits=None
        )

    await db.run_write(change)
    assert await update_demand(db) == 1
    assert await cells(db) == {("TEE", "callcentre", DAY, "", "sold"): 5}
    before = await cells(db)
    assert await rebuild(db) == 1
    assert await cells(db) == before


async def test_the_look_back_catches_a_change_stamped_before_the_cursor(
    client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    ahead = utcnow() + timedelta(minutes=1)
    await db.run_write(lambda conn: polls.set_sync(conn, *CURSOR, ahead.isoformat(), now=ahead))
    late = await place(client, auth, "L1", {"TEE": 1})  # stamped a minute before the cursor
    old = await place(client, auth, "L2", {"CAP": 1})
    stamp = ahead - LOOKBACK - timedelta(seconds=1)  # older than the look-back reaches
    await db.run_write(
        lambda conn: conn.execute(update(orders).where(orders.c.id == old).values(updated_at=stamp))
    )
    assert await update_demand(db) == 1
    assert set(await cells(db)) == {("TEE", "callcentre", DAY, "", "sold")}
    assert late


async def test_returns_are_their_own_series_and_can_be_taken_back(db: Database) -> None:
    def record(units: dict[str, int]) -> Callable[[Connection], None]:
        return lambda conn: record_returned(
            conn, "RMA-1", channel="shop", day=DAY, units=units, location="main"
        )

    await db.run_write(record({"TEE": 2}))
    await db.run_write(record({"TEE": 2}))  # the same again: no double count
    assert await cells(db) == {("TEE", "shop", DAY, "main", "returned"): 2}
    await db.run_write(record({"TEE": 1, "CAP": 1}))
    assert await cells(db) == {
        ("TEE", "shop", DAY, "main", "returned"): 1,
        ("CAP", "shop", DAY, "main", "returned"): 1,
    }
    await db.run_write(record({}))
    assert await cells(db) == {}
