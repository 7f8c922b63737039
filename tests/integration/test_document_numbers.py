"""Document numbers: gapless and strictly increasing per series, under 200 concurrent
issuances; a rolled-back issuance gives its number back; an issued document cannot be
changed or deleted (the database refuses), only its PDF stored once."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime

import msgspec
import pytest
from sqlalchemy import Connection, delete, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from hub.connections import Connections
from hub.domain.document_series import parse_series
from hub.domain.order import OrderData
from hub.errors import Conflict
from hub.services.documents import by_hand
from hub.services.documents.by_hand import InvoiceIn
from hub.services.intake.writer import IngestRequest, OrderWriter
from hub.store import documents as store
from hub.store.database import Database
from hub.store.document_tables import documents
from tests.support.documents import INVOICES

COUNT = int(os.environ.get("DOC_COUNT", "200"))
SERIES = parse_series({"series": [INVOICES]}, ["callcentre"])


def order(i: int) -> OrderData:
    return msgspec.convert(
        {
            "channel": "callcentre", "external_id": f"N-{i}", "currency": "EUR",
            "billing_address": {"name": "Ana", "line1": "1 Way", "city": "Porto",
                                "country": "PT"},
            "lines": [{"sku": "TEE", "quantity": 1, "unit_price": 1190}],
            "totals": {"subtotal": 1190, "tax_included": True, "total": 1190},
        },
        OrderData,
    )  # fmt: skip


async def orders(db: Database, count: int) -> list[str]:
    writer = OrderWriter(db, max_attempts=3)
    await writer.start()
    try:
        done = await asyncio.gather(
            *(writer.submit(IngestRequest(data=order(i), actor="test")) for i in range(count))
        )
    finally:
        await writer.stop()
    return [d.order_id for d in done]


async def test_concurrent_issuances_leave_no_gap_and_no_duplicate(db: Database) -> None:
    connections = Connections([], {}, documents=SERIES)
    ids = await orders(db, COUNT)
    made = await asyncio.gather(
        *(by_hand.invoice(db, connections, i, InvoiceIn(), actor="test") for i in ids)
    )
    numbers = sorted(int(d.number.removeprefix("INV-2026-")) for d in made)
    assert numbers == list(range(1, COUNT + 1))
    by_time = sorted(made, key=lambda d: (d.issued_at, d.id))
    # strictly increasing in the order they were issued (committed)
    assert [d.number for d in by_time] == sorted(d.number for d in made)
    assert {d.order_id for d in made} == set(ids)


async def test_a_rolled_back_issuance_gives_its_number_back(db: Database) -> None:
    class Boom(Exception):
        pass

    def take_and_fail(conn: Connection) -> None:
        assert store.next_seq(conn, "inv") == 1
        raise Boom

    with pytest.raises(Boom):
        await db.run_write(take_and_fail)
    assert await db.run_write(lambda c: store.next_seq(c, "inv")) == 1
    assert await db.run_write(lambda c: store.next_seq(c, "inv")) == 2
    assert await db.run_write(lambda c: store.next_seq(c, "inv:credit")) == 1


async def test_an_issued_document_is_never_changed(db: Database) -> None:
    connections = Connections([], {}, documents=SERIES)
    [order_id] = await orders(db, 1)
    doc = await by_hand.invoice(db, connections, order_id, InvoiceIn(), actor="test")
    now = datetime.now(UTC)
    assert await db.run_write(lambda c: store.store_pdf(c, doc.id, b"%PDF-1", now=now))
    assert not await db.run_write(lambda c: store.store_pdf(c, doc.id, b"%PDF-2", now=now))
    assert await db.run_write(lambda c: store.get_pdf(c, doc.id)) == b"%PDF-1"
    for change in (
        update(documents).values(gross=1),
        update(documents).values(content="{}"),
        delete(documents),
    ):
        with pytest.raises((DBAPIError, IntegrityError)):
            await db.run_write(lambda c, change=change: c.execute(change))
    with pytest.raises(Conflict):  # one invoice per order
        await by_hand.invoice(db, connections, order_id, InvoiceIn(), actor="test")
