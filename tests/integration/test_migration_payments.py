"""Migration 0016 gives every order stored before it the transactions its payment status stands
for, and the order keeps that status (now derived from them), on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
from sqlalchemy import insert, select

from hub.store import orders as order_store
from hub.store.database import Database
from hub.store.migrate import upgrade
from hub.store.tables import orders, payment_transactions
from tests.integration.test_ingest import order_data
from tests.integration.test_migration_inbound_reasons import empty_url  # noqa: F401  (fixture)

PLACED = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
TOTAL = 3500  # order_minimal
STATUSES = ["pending", "authorized", "paid", "partially_refunded", "refunded", "voided", "failed"]
EXPECTED = {
    "pending": [],
    "authorized": [("authorization", TOTAL, "succeeded")],
    "paid": [("capture", TOTAL, "succeeded")],
    "partially_refunded": [("capture", TOTAL, "succeeded"), ("refund", 0, "succeeded")],
    "refunded": [("capture", TOTAL, "succeeded"), ("refund", TOTAL, "succeeded")],
    "voided": [("authorization", TOTAL, "succeeded"), ("void", TOTAL, "succeeded")],
    "failed": [("authorization", TOTAL, "failed")],
}


def old_order(i: int, status: str) -> dict[str, object]:
    data = order_data(external_id=f"OLD-{i}", payment={"status": status})
    return {
        "id": f"01JOLDORDER{i:015d}", "number": f"H-{100001 + i}", "public_ref": f"REF-{i}",
        "channel": "shop-eu", "external_id": f"OLD-{i}", "status": "received",
        "held_from": None, "placed_at": PLACED, "received_at": PLACED, "updated_at": PLACED,
        "currency": "EUR", "total": TOTAL, "content_hash": f"h{i}", "version": 1,
        "doc": msgspec.json.encode(data), "attention": None,
    }  # fmt: skip


async def test_orders_stored_before_keep_their_status_with_matching_transactions(
    empty_url: str,  # noqa: F811
) -> None:
    upgrade(empty_url, "0015")
    db = Database(empty_url)
    try:
        async with db.write() as conn:
            await conn.execute(insert(orders), [old_order(i, s) for i, s in enumerate(STATUSES)])
        await db.dispose()
        upgrade(empty_url, "head")
        async with db.read() as conn:
            rows = {r.external_id: r for r in await conn.execute(select(orders))}
            made = list(
                await conn.execute(select(payment_transactions).order_by(payment_transactions.c.id))
            )
    finally:
        await db.dispose()
    for i, status in enumerate(STATUSES):
        row = rows[f"OLD-{i}"]
        mine = [t for t in made if t.order_id == row.id]
        assert [(t.kind, t.amount, t.status) for t in mine] == EXPECTED[status], status
        assert all(
            (t.currency, t.source, t.reference, t.at) == ("EUR", "migration", f"status:{status}",
                                                          PLACED)
            for t in mine
        )  # fmt: skip
        order = order_store.to_order(row)
        assert order.payment.status == status  # kept, and what the transactions give
        assert order_store.summary(row).balance_due == (0 if order.payment.captured else TOTAL)
    assert rows["OLD-2"].paid_captured == TOTAL and rows["OLD-4"].paid_refunded == TOTAL
    assert rows["OLD-1"].paid_authorized == TOTAL and rows["OLD-5"].paid_authorized == 0
