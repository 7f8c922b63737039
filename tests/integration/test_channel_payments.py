"""Money a channel reports by poll or webhook (both come through ``apply_sync``): an order held
awaiting it moves on in the same transaction; a repeated report records nothing twice; a
capture that is not the total is flagged; ``payments_changed`` listeners hear of every change
in the transaction that made it, and one that fails rolls the change back."""

from __future__ import annotations

from collections.abc import Iterator

import msgspec
import pytest
from sqlalchemy import Connection, select

from hub.domain.order import Payment, PaymentTransaction
from hub.domain.routing import DEFAULT_RULES
from hub.services import stock
from hub.services.intake.accept import accept_received
from hub.services.payments import hooks
from hub.services.payments.hooks import PaymentsChanged
from hub.services.routing.route import route_orders
from hub.services.stock import LocationIn, MovementIn
from hub.store.database import Database
from hub.store.tables import jobs, orders, payment_transactions
from tests.integration.test_channel_orders import apply, events, reported


@pytest.fixture
def heard() -> Iterator[list[PaymentsChanged]]:
    changes: list[PaymentsChanged] = []
    hooks.listen("test", lambda _conn, change: changes.append(change))
    yield changes
    hooks.forget("test")


async def held_order(db: Database) -> str:
    """A channel order, unpaid, accepted with its stock and held awaiting its payment."""
    await stock.add_location(db, LocationIn(code="main", name="Main"))
    await stock.post_movements(
        db,
        [MovementIn(kind="receipt", sku=s, location="main", quantity=5, reason="in")
         for s in ("TEE-ORG-BLK-M", "MUG-CER-350", "TOTE-CNV-NAT")],
        actor="test",
    )  # fmt: skip
    first = await apply(db, reported(payment=Payment(status="pending")))

    def accept_and_route(conn: Connection) -> list[str]:
        accept_received(conn, [first.order_id], actor="worker")
        return route_orders(conn, [first.order_id], rules=DEFAULT_RULES)

    assert await db.run_write(accept_and_route) == []
    async with db.read() as conn:
        row = (await conn.execute(select(orders).where(orders.c.id == first.order_id))).one()
    assert (row.status, row.awaiting_payment) == ("on_hold", "paid")
    return first.order_id


async def test_a_reported_payment_releases_the_held_order(
    db: Database, heard: list[PaymentsChanged]
) -> None:
    order_id = await held_order(db)
    capture = PaymentTransaction(kind="capture", amount=7015, reference="pi_1", method="stripe")
    paid = Payment(status="paid", transactions=[capture])
    await apply(db, reported(payment=paid))
    await apply(db, reported(payment=paid))  # the same report again (a repeated poll)
    async with db.read() as conn:
        row = (await conn.execute(select(orders).where(orders.c.id == order_id))).one()
        made = list(await conn.execute(select(payment_transactions)))
        queued = list((await conn.execute(select(jobs.c.kind))).scalars())
    assert (row.status, row.awaiting_payment, row.payment_status) == ("accepted", None, "paid")
    assert [(t.kind, t.amount, t.reference, t.source) for t in made] == [
        ("capture", 7015, "pi_1", "channel")
    ]
    assert "order.paid" in queued  # routing takes it from here
    assert (await events(db, order_id))[-2:] == [
        ("payment", "channel:shop-eu"),
        ("release", "worker"),
    ]
    [change] = heard
    assert change.became_paid and change.order_status == "accepted"
    assert change.before is not None and change.before.status == "pending"


async def test_a_capture_short_of_the_total_is_flagged_and_waits(db: Database) -> None:
    order_id = await held_order(db)
    part = PaymentTransaction(kind="capture", amount=5000, reference="pi_2")
    await apply(db, reported(payment=Payment(status="authorized", transactions=[part])))
    async with db.read() as conn:
        row = (await conn.execute(select(orders).where(orders.c.id == order_id))).one()
    assert row.status == "on_hold"
    assert row.attention == "payment: captured 50.00 EUR differs from the order total 70.15 EUR"


async def test_a_failing_listener_rolls_the_payment_back(db: Database) -> None:
    order_id = await held_order(db)

    def refuse(_conn: Connection, _change: PaymentsChanged) -> None:
        raise RuntimeError("documents are down")

    hooks.listen("refuse", refuse)
    try:
        with pytest.raises(RuntimeError):
            await apply(db, reported(payment=Payment(status="paid")))
    finally:
        hooks.forget("refuse")
    async with db.read() as conn:
        row = (await conn.execute(select(orders).where(orders.c.id == order_id))).one()
        assert list(await conn.execute(select(payment_transactions))) == []
    assert (row.status, row.payment_status) == ("on_hold", "pending")


async def test_a_new_order_that_comes_paid_is_heard_too(
    db: Database, heard: list[PaymentsChanged]
) -> None:
    created = await apply(db, reported())  # order_callcentre: paid
    [change] = heard
    assert (change.order_id, change.before, change.became_paid) == (created.order_id, None, True)
    assert [t.kind for t in change.added] == ["capture"]


async def test_a_changed_total_is_measured_against_the_money_already_in(db: Database) -> None:
    part = PaymentTransaction(kind="capture", amount=5710, reference="pi_3")
    payment = Payment(status="authorized", transactions=[part])
    first = await apply(db, reported(payment=payment))  # 5710 of 7015
    base = reported().order
    fewer = msgspec.structs.replace(base.totals, subtotal=5800, discount=580, total=5710)
    await apply(db, reported(payment=payment, lines=base.lines[:1], totals=fewer))
    async with db.read() as conn:
        row = (await conn.execute(select(orders).where(orders.c.id == first.order_id))).one()
    assert (row.total, row.paid_captured, row.payment_status) == (5710, 5710, "paid")
