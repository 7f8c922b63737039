"""Every filter and sort of ``GET /orders`` answers from an index on PostgreSQL.

100,000 orders are made in the database itself (``generate_series``), analysed, and the
statement the store runs for each filter, in each sort order, is explained: no plan may
read ``orders`` with a sequential scan.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import ClauseElement, Executable, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

from hub.store.database import Database
from hub.store.order_queries import OrderFilter, OrderSort, page_query

ORDERS = 100_000

# Names and statuses spread the way a shop's are: most orders delivered or closed.
FILL = """
INSERT INTO orders (id, number, public_ref, channel, external_id, status, placed_at,
                    received_at, updated_at, currency, total, content_hash, version, doc, search)
SELECT lpad(g::text, 26, '0'), 'H-' || (100000 + g), 'REF-' || g,
       (ARRAY['shop-eu', 'shop-us', 'amazon-de', 'ebay-uk', 'callcentre'])[1 + g % 5],
       'EXT-' || g,
       CASE WHEN g % 100 < 40 THEN 'delivered' WHEN g % 100 < 70 THEN 'closed'
            WHEN g % 100 < 85 THEN 'shipped' WHEN g % 100 < 90 THEN 'released'
            WHEN g % 100 < 95 THEN 'cancelled' WHEN g % 100 < 97 THEN 'received'
            WHEN g % 100 < 99 THEN 'on_hold' ELSE 'accepted' END,
       t, t, t + (g % 977) * interval '1 minute', 'EUR', 1000 + g % 5000, 'x', 1, '{}'::bytea,
       lower('h-' || (100000 + g) || chr(10) || 'ext-' || g || chr(10) || first || ' ' || last
             || chr(10) || first || '.' || last || g || '@example.com')
FROM generate_series(1, :n) AS g,
     LATERAL (SELECT timestamptz '2024-01-01 00:00:00+00' + g * interval '5 minutes' AS t,
                     (ARRAY['Ana', 'Bo', 'Cy', 'Dee', 'Eli', 'Fay', 'Gus', 'Hal', 'Ida', 'Jo'])
                         [1 + g % 10] AS first,
                     (ARRAY['Lima', 'Chen', 'Ode', 'Smith', 'Garcia', 'Novak', 'Berg', 'Rossi',
                            'Silva', 'Kim', 'Ito', 'Dubois', 'Meyer', 'Jansen', 'Costa',
                            'Nagy', 'Popov', 'Olsen', 'Haddad', 'Moreau'])[1 + (g / 10) % 20]
                         AS last) AS names
"""
LINES = """
INSERT INTO order_lines (order_id, position, sku, quantity)
SELECT lpad(g::text, 26, '0'), 0, 'SKU-' || (g * 7 % 2000), 1 FROM generate_series(1, :n) AS g
"""

# the indexes that are not constraints (primary keys, unique): the filters' own
INDEXES = """
SELECT indexname, indexdef FROM pg_indexes
WHERE tablename IN ('orders', 'order_lines')
  AND indexname NOT IN (SELECT conname FROM pg_constraint)
"""

FILTERS: dict[str, OrderFilter] = {
    "none": OrderFilter(),
    "channel": OrderFilter(channels=["shop-us"]),
    "channels": OrderFilter(channels=["amazon-de", "ebay-uk", "shop-eu"]),
    "status rare": OrderFilter(statuses=["on_hold"]),
    "status common": OrderFilter(statuses=["delivered"]),
    "statuses": OrderFilter(statuses=["received", "on_hold", "accepted"]),
    "external_id": OrderFilter(external_ids=["EXT-4242"]),
    "external_ids": OrderFilter(external_ids=["EXT-4242", "EXT-77"]),
    "number": OrderFilter(numbers=["H-150000"]),
    "sku": OrderFilter(skus=["SKU-1234"]),
    "skus": OrderFilter(skus=["SKU-1", "SKU-2", "SKU-3"]),
    "placed day": OrderFilter(
        placed_since=datetime(2024, 6, 1, tzinfo=UTC), placed_until=datetime(2024, 6, 2, tzinfo=UTC)
    ),
    "placed since": OrderFilter(placed_since=datetime(2024, 1, 2, tzinfo=UTC)),
    "updated since": OrderFilter(updated_since=datetime(2024, 12, 1, tzinfo=UTC)),
    "updated since long ago": OrderFilter(updated_since=datetime(2024, 1, 1, tzinfo=UTC)),
    "q name": OrderFilter(q="lima"),
    "q email": OrderFilter(q="eli.novak12345@"),
    "q number": OrderFilter(q="h-1712"),
    "key's channels and status": OrderFilter(channels=["shop-eu"], statuses=["released"]),
}


class Explain(Executable, ClauseElement):
    inherit_cache = False

    def __init__(self, statement: Any) -> None:
        self.statement = statement


@compiles(Explain, "postgresql")
def _explain(element: Explain, compiler: SQLCompiler, **kw: Any) -> str:
    return "EXPLAIN " + compiler.process(element.statement, **kw)


@pytest.fixture
async def hundred_thousand(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    started = time.monotonic()
    async with db.write() as conn:
        # the indexes are built after the rows (faster than row by row), from the very
        # definitions the migrations made
        found = await conn.execute(text(INDEXES))
        definitions = [(r.indexname, r.indexdef) for r in found]
        for name, _ in definitions:
            await conn.execute(text(f"DROP INDEX {name}"))
        await conn.execute(text(FILL), {"n": ORDERS})
        await conn.execute(text(LINES), {"n": ORDERS})
        for _, definition in definitions:
            await conn.execute(text(definition))
    async with db.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("ANALYZE orders, order_lines"))
    print(f"{ORDERS} orders made and analysed in {time.monotonic() - started:.1f} s")
    try:
        yield db
    finally:
        async with db.write() as conn:
            await conn.execute(text("TRUNCATE order_lines, orders CASCADE"))
        await db.dispose()


def _variants(found: OrderFilter) -> list[tuple[Any, bool]]:
    """Without and with a cursor; a SKU filter also with its orders taken first."""
    cursors = [None, (datetime(2024, 7, 1, tzinfo=UTC), "0" * 26)]
    return [(a, first) for a in cursors for first in ((False, True) if found.skus else (False,))]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_every_filter_in_every_sort_reads_orders_by_an_index(
    hundred_thousand: Database,
) -> None:
    seq_scans: dict[str, str] = {}
    async with hundred_thousand.read() as conn:
        for name, found in FILTERS.items():
            for sort in OrderSort:
                for after, first in _variants(found):
                    query = page_query(found, sort, after, 101, sku_first=first)
                    plan = "\n".join((await conn.execute(Explain(query))).scalars())
                    if "Seq Scan on orders" in plan:
                        where = f"cursor={after is not None}, sku_first={first}"
                        seq_scans[f"{name}, sort={sort.value}, {where}"] = plan
                    assert "orders" in plan
    assert not seq_scans, "\n\n".join(f"{k}:\n{v}" for k, v in seq_scans.items())
