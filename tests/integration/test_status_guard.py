"""The state machines where statuses are written, on SQLite and PostgreSQL: every order move
through the store as the order table says (tests/unit/test_lifecycle.py checks the table
itself), forbidden fulfilment and parcel moves refused and nothing written, and routing
walking accepted -> allocated -> released with each step on the timeline."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from enum import StrEnum
from typing import Any

import msgspec
import pytest
from sqlalchemy import Table, select, update

from hub.clock import utcnow
from hub.domain.fulfilment import (
    FulfilmentStatus,
    ParcelStatus,
    can_move_fulfilment,
    can_move_parcel,
)
from hub.domain.lifecycle import OrderStatus, TransitionRefused, can_move
from hub.domain.order import OrderData, normalise
from hub.domain.routing import DEFAULT_RULES
from hub.services import stock
from hub.services.intake.accept import accept_received
from hub.services.intake.writer import IngestRequest, OrderWriter
from hub.services.routing.route import route_orders
from hub.services.stock import LocationIn, MovementIn
from hub.store import fulfilment as fulfilment_store
from hub.store import orders as order_store
from hub.store.database import Database
from hub.store.tables import fulfilments, order_events, orders, shipments
from tests.conftest import PAYLOADS


async def an_order(db: Database) -> str:
    raw = msgspec.json.decode((PAYLOADS / "order_minimal.json").read_bytes())
    data = normalise(msgspec.convert({**raw, "channel": "web"}, OrderData))
    async with OrderWriter(db, max_attempts=5) as writer:
        return (await writer.submit(IngestRequest(data=data, actor="test"))).order_id


async def force(db: Database, table: Table, row_id: str, status: str) -> None:
    """Put a row in ``status`` behind the state machine's back (test setup only)."""
    async with db.write() as conn:
        await conn.execute(update(table).where(table.c.id == row_id).values(status=status))


async def status(db: Database, table: Table, row_id: str) -> str:
    async with db.read() as conn:
        return (await conn.execute(select(table.c.status).where(table.c.id == row_id))).scalar_one()


async def walk(
    db: Database,
    table: Table,
    row_id: str,
    statuses: type[StrEnum],
    allowed: Callable[[Any, Any], bool],
    move: Callable[[Any, str, str], object],
) -> None:
    """Every (current, target) pair through ``move``: allowed pairs move, the others raise
    TransitionRefused and leave the row as it was."""
    for current, target in itertools.permutations(list(statuses), 2):
        await force(db, table, row_id, current)

        def run(conn: Any, current: str = current, target: str = target) -> object:
            return move(conn, current, target)

        if allowed(current, target):
            assert await db.run_write(run), (current, target)
            assert await status(db, table, row_id) == target
        else:
            with pytest.raises(TransitionRefused):
                await db.run_write(run)
            assert await status(db, table, row_id) == current, (current, target)


async def test_every_order_move_through_the_store_follows_the_order_table(db: Database) -> None:
    order_id = await an_order(db)
    await walk(
        db,
        orders,
        order_id,
        OrderStatus,
        can_move,
        lambda conn, frm, to: order_store.move_many(
            conn, [order_id], from_status=frm, to_status=to, now=utcnow()
        ),
    )


async def test_an_operator_move_the_table_forbids_is_refused(db: Database) -> None:
    order_id = await an_order(db)
    await force(db, orders, order_id, OrderStatus.SHIPPED)
    async with db.read() as conn:
        version = (await order_store.get_row(conn, order_id)).version
    with pytest.raises(TransitionRefused, match="an order that is shipped cannot become"):
        async with db.write() as conn:
            await order_store.move(
                conn,
                order_id,
                expected_version=version,
                from_status=OrderStatus.SHIPPED,
                status=OrderStatus.CANCELLED,
                held_from=None,
                now=utcnow(),
            )
    assert await status(db, orders, order_id) == OrderStatus.SHIPPED


async def test_fulfilment_and_parcel_moves_follow_their_tables(db: Database) -> None:
    order_id = await an_order(db)
    now = utcnow()

    def setup(conn: Any) -> None:
        row = {"order_id": order_id, "location": "main", "status": "open"}
        line = {"fulfilment_id": "F1", "position": 1, "sku": "BOOK-NOTES", "quantity": 3}
        fulfilment_store.insert_fulfilments(
            conn,
            [{**row, "id": "F1", "created_at": now, "updated_at": now}],
            [{**line, "shipped": 0}],
        )
        parcel = {"fulfilment_id": "F1", "order_id": order_id, "parcel_key": "P1"}
        fulfilment_store.insert_shipment(
            conn,
            {**parcel, "id": "S1", "status": "in_transit", "shipped_at": now, "updated_at": now},
            {"BOOK-NOTES": 3},
        )

    await db.run_write(setup)
    await walk(
        db,
        fulfilments,
        "F1",
        FulfilmentStatus,
        can_move_fulfilment,
        lambda conn, frm, to: fulfilment_store.move(
            conn, "F1", from_status=frm, to_status=to, now=utcnow()
        ),
    )
    await walk(
        db,
        shipments,
        "S1",
        ParcelStatus,
        can_move_parcel,
        lambda conn, frm, to: fulfilment_store.update_shipment(
            conn, "S1", from_status=frm, status=to, updated_at=utcnow()
        ),
    )


async def test_routing_walks_accepted_allocated_released_and_the_timeline_says_so(
    db: Database,
) -> None:
    await stock.add_location(db, LocationIn(code="main", name="Main"))
    await stock.post_movements(
        db, [MovementIn("receipt", "BOOK-NOTES", "main", 5, "in")], actor="test"
    )
    order_id = await an_order(db)

    def router(conn: Any, ids: list[str]) -> list[str]:
        return route_orders(conn, ids, rules=DEFAULT_RULES)

    await db.run_write(lambda conn: accept_received(conn, [order_id], actor="t", router=router))
    assert await status(db, orders, order_id) == OrderStatus.RELEASED
    async with db.read() as conn:
        rows = await conn.execute(
            select(order_events.c.kind, order_events.c.from_status, order_events.c.to_status)
            .where(order_events.c.order_id == order_id, order_events.c.to_status.is_not(None))
            .order_by(order_events.c.id)
        )
        steps = [tuple(r) for r in rows]
    assert steps == [
        ("received", None, "received"),
        ("accept", "received", "accepted"),
        ("route", "accepted", "allocated"),
        ("release", "allocated", "released"),
    ]
    for (_, _, before), (_, frm, to) in itertools.pairwise(steps):
        assert frm == before and can_move(OrderStatus(frm), OrderStatus(to))
