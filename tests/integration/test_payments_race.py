"""Refunds racing for one order's money never refund more than was captured.

Ten refunds of 1000 on an order that captured 3500 are sent at once, each through its own
Database (its own connections, as ten API processes would have): exactly three are recorded,
the other seven are refused with a 422 naming the amount, and the order shows 3000 refunded.
Recording locks the order's row, so each refund decides on the figures the last one left.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from hub.errors import Unprocessable
from hub.services.intake.writer import OrderWriter
from hub.services.payments.manual import ManualPaymentIn, PaymentRecorded, post_payment
from hub.store.database import Database
from hub.store.tables import orders, payment_transactions
from tests.integration.test_ingest import order_data, request

RACERS = 10


async def _paid_order(db: Database) -> str:
    writer = OrderWriter(db, max_attempts=3)
    await writer.start()
    try:  # order_minimal: 3500, paid (a capture of the total)
        result = await writer.submit(request(order_data(external_id="race-refunds")))
    finally:
        await writer.stop()
    return result.order_id


async def test_racing_refunds_never_exceed_what_was_captured(db: Database) -> None:
    order_id = await _paid_order(db)
    dbs = [Database(db.url) for _ in range(RACERS)]

    async def refund(i: int, own: Database) -> PaymentRecorded | Unprocessable:
        body = ManualPaymentIn(
            kind="refund", amount=1000, method="bank_transfer", reference=f"RF-{i}"
        )
        try:
            recorded, _ = await post_payment(own, order_id, body, actor="test:race")
        except Unprocessable as refused:
            return refused
        return recorded

    try:
        results = await asyncio.gather(*(refund(i, own) for i, own in enumerate(dbs)))
    finally:
        for own in dbs:
            await own.dispose()

    done = [r for r in results if isinstance(r, PaymentRecorded)]
    refused = [r for r in results if isinstance(r, Unprocessable)]
    assert (len(done), len(refused)) == (3, RACERS - 3)
    assert all([e.field for e in r.errors] == ["amount"] for r in refused)
    assert sorted(r.payment.refunded for r in done) == [1000, 2000, 3000]  # one after another
    async with db.read() as conn:
        row = (await conn.execute(select(orders).where(orders.c.id == order_id))).one()
        kinds = (
            await conn.execute(
                select(payment_transactions.c.kind).where(
                    payment_transactions.c.order_id == order_id
                )
            )
        ).scalars()
        assert sorted(kinds) == ["capture", "refund", "refund", "refund"]
    assert (row.paid_captured, row.paid_refunded, row.payment_status) == (
        3500, 3000, "partially_refunded",
    )  # fmt: skip
