"""Fifty orders race for ten units: exactly ten are accepted with their units reserved, the
rest go on hold naming the SKU and the shortfall, and no figure goes negative. Several
workers, each on its own Database (its own connections, as separate processes would have),
run the accept jobs at once. Then cancelling an accepted order releases its unit.
"""

from __future__ import annotations

import asyncio

import msgspec
from sqlalchemy import func, select

from hub.bootstrap import build_registry
from hub.config import Settings
from hub.services import orders as order_service
from hub.services import stock
from hub.services.intake import accept
from hub.services.intake.writer import OrderWriter
from hub.services.stock import LocationIn, MovementIn
from hub.store.database import Database
from hub.store.tables import order_events, orders, stock_levels, stock_movements
from hub.worker import Worker
from tests.integration.test_channel_orders import apply, reported
from tests.integration.test_ingest import order_data, request

SKU = "BOOK-NOTES"  # order_minimal's one line: 3 of it; we ask for 1


async def _place(db: Database, n: int) -> list[str]:
    writer = OrderWriter(db, max_attempts=3)
    await writer.start()
    try:
        results = await asyncio.gather(
            *(
                writer.submit(
                    request(
                        order_data(
                            external_id=f"race-{i}",
                            lines=[
                                {
                                    "line_id": "1",
                                    "sku": SKU,
                                    "name": "Notes",
                                    "quantity": 1,
                                    "unit_price": 3000,
                                    "discount": 0,
                                    "tax": 0,
                                }
                            ],
                        )
                    )
                )
                for i in range(n)
            )
        )
    finally:
        await writer.stop()
    return [r.order_id for r in results]


async def _drain(settings: Settings, workers: int) -> None:
    small = msgspec.structs.replace(settings, worker_batch=3)
    dbs = [Database(settings.database_url) for _ in range(workers)]

    async def loop(db: Database, name: str) -> None:
        worker = Worker(db, build_registry(small), small, name=name)
        idle = 0
        while idle < 3:
            idle = idle + 1 if await worker.run_once() == 0 else 0

    try:
        await asyncio.gather(*(loop(db, f"w{i}") for i, db in enumerate(dbs)))
    finally:
        for db in dbs:
            await db.dispose()


async def test_fifty_orders_for_ten_units(db: Database, settings: Settings) -> None:
    await stock.add_location(db, LocationIn(code="main", name="Main"))
    await stock.post_movements(db, [MovementIn("receipt", SKU, "main", 10, "delivery")], actor="t")
    ids = await _place(db, 50)
    assert len(set(ids)) == 50

    await _drain(settings, workers=5)

    async with db.read() as conn:
        by_status = {
            r[0]: r[1]
            for r in await conn.execute(
                select(orders.c.status, func.count()).group_by(orders.c.status)
            )
        }
        level = (await conn.execute(select(stock_levels))).one()
        reservations = (
            await conn.execute(
                select(func.count(), func.sum(stock_movements.c.quantity)).where(
                    stock_movements.c.kind == "reservation"
                )
            )
        ).one()
        holds = list(
            await conn.execute(select(order_events.c.detail).where(order_events.c.kind == "hold"))
        )
    assert by_status == {"released": 10, "on_hold": 40}  # reserved, routed, released
    assert (level.on_hand, level.reserved) == (10, 10)
    assert tuple(reservations) == (10, 10)
    assert len(holds) == 40
    assert all(f"{SKU}: 1 of 1 short" in h.detail for h in holds)

    accepted = [o for o in ids if (await order_service.get_detail(db, o)).status == "released"]
    cancelled = await order_service.change(db, accepted[0], "cancel", actor="test")
    assert cancelled.status == "cancelled"
    view = await stock.get_stock(db, SKU)
    assert (view.on_hand, view.reserved, view.available) == (10, 9, 1)


async def test_a_channel_cancellation_releases_the_reservation(db: Database) -> None:
    await stock.add_location(db, LocationIn(code="main", name="Main"))
    first = await apply(db, reported())
    wanted = {line.sku: line.quantity for line in reported().order.lines}
    await stock.post_movements(
        db, [MovementIn("receipt", s, "main", q, "delivery") for s, q in wanted.items()], actor="t"
    )
    accepted = await db.run_write(
        lambda conn: accept.accept_received(conn, [first.order_id], actor="worker")
    )
    assert accepted == [first.order_id]
    assert [(await stock.get_stock(db, s)).available for s in wanted] == [0] * len(wanted)

    assert (await apply(db, reported(state="cancelled"))).cancelled
    for s, q in wanted.items():
        view = await stock.get_stock(db, s)
        assert (view.on_hand, view.reserved) == (q, 0)


async def test_changed_lines_move_the_reservation(db: Database) -> None:
    await stock.add_location(db, LocationIn(code="main", name="Main"))
    base = reported().order
    first = await apply(db, reported())
    await stock.post_movements(
        db, [MovementIn("receipt", ln.sku, "main", 5, "delivery") for ln in base.lines], actor="t"
    )
    await db.run_write(lambda c: accept.accept_received(c, [first.order_id], actor="w"))
    fewer = msgspec.structs.replace(base.totals, subtotal=5800, discount=580, total=5710)
    result = await apply(db, reported(lines=base.lines[:1], totals=fewer))
    assert result.updated and result.attention is None
    kept, dropped = base.lines[0], base.lines[1]
    assert (await stock.get_stock(db, kept.sku)).reserved == kept.quantity
    assert (await stock.get_stock(db, dropped.sku)).reserved == 0
