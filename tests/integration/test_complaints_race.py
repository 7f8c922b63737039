"""Complaint refunds racing for one order's money never refund more than was captured, and
one complaint resolved twice at once is resolved once (SQLite and PostgreSQL).

Each racer has its own Database (its own connections, as several API processes would). A
resolution locks the complaint's row, then the order's (``refund_for_complaint`` goes
through the payments service), so each decides on what the one before it left.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from hub.clock import utcnow
from hub.domain.complaints import ComplaintIn, ComplaintLine, OutcomeIn
from hub.domain.lifecycle import TransitionRefused
from hub.errors import HubError, Unprocessable
from hub.services.complaints import actions
from hub.services.complaints.opening import open_in
from hub.services.complaints.views import Complaint
from hub.services.intake.writer import OrderWriter
from hub.store.database import Database
from hub.store.tables import complaints, orders, payment_transactions
from tests.integration.test_payments_race import _paid_order


async def _complaint(db: Database, order_id: str) -> str:
    lines = [ComplaintLine(sku="BOOK-NOTES", quantity=1)]
    body = ComplaintIn(kind="damaged", description="arrived broken", lines=lines)
    return await db.run_write(
        lambda conn: open_in(
            conn,
            order_id,
            body,
            channels=None,
            sla_hours=lambda _: 48.0,
            actor="test",
            now=utcnow(),
        )
    )


async def _race(db: Database, calls: list[tuple[str, OutcomeIn]]) -> list[Complaint | HubError]:
    dbs = [Database(db.url) for _ in calls]

    async def one(own: Database, complaint_id: str, body: OutcomeIn) -> Complaint | HubError:
        try:
            return await actions.resolve(
                own, OrderWriter(own, max_attempts=3), complaint_id, body, actor="race"
            )
        except (HubError, TransitionRefused) as refused:
            return refused  # type: ignore[return-value]

    try:
        return await asyncio.gather(*(one(o, c, b) for o, (c, b) in zip(dbs, calls, strict=True)))
    finally:
        for own in dbs:
            await own.dispose()


async def test_two_complaint_refunds_never_exceed_what_was_captured(db: Database) -> None:
    order_id = await _paid_order(db)  # 3500 captured
    first, second = [await _complaint(db, order_id) for _ in range(2)]
    refund = OutcomeIn(outcome="refund", amount=2000)
    results = await _race(db, [(first, refund), (second, refund)])

    done = [r for r in results if isinstance(r, Complaint)]
    refused = [r for r in results if isinstance(r, Unprocessable)]
    assert (len(done), len(refused)) == (1, 1)
    assert [e.field for e in refused[0].errors] == ["amount"]
    assert done[0].outcome is not None and done[0].outcome.amount == 2000
    async with db.read() as conn:
        row = (await conn.execute(select(orders).where(orders.c.id == order_id))).one()
        refunds = list(
            await conn.execute(
                select(payment_transactions.c.reference, payment_transactions.c.amount).where(
                    payment_transactions.c.order_id == order_id,
                    payment_transactions.c.kind == "refund",
                )
            )
        )
        states = sorted((await conn.execute(select(complaints.c.status))).scalars())
    assert (row.paid_captured, row.paid_refunded) == (3500, 2000)
    assert [tuple(r) for r in refunds] == [(f"complaint:{done[0].id}", 2000)]
    assert states == ["open", "resolved"]  # the refused one wrote nothing


async def test_one_complaint_resolved_twice_at_once_is_resolved_once(db: Database) -> None:
    order_id = await _paid_order(db)
    complaint_id = await _complaint(db, order_id)
    refund = OutcomeIn(outcome="refund", amount=100)
    results = await _race(db, [(complaint_id, refund), (complaint_id, refund)])

    assert sorted(type(r).__name__ for r in results) == ["Complaint", "TransitionRefused"]
    async with db.read() as conn:
        refunded = (
            await conn.execute(select(orders.c.paid_refunded).where(orders.c.id == order_id))
        ).scalar_one()
    assert refunded == 100
