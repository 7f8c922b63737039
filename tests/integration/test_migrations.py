"""The migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import msgspec
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, insert, select, text

from hub.config import normalise_database_url
from hub.domain.order import OrderData
from hub.store import (
    console_tables,  # noqa: F401  (its tables join the metadata)
    order_queries,
    order_tally,
    partner_tables,  # noqa: F401  (its tables join the metadata)
    planning_tables,  # noqa: F401  (its tables join the metadata)
)
from hub.store.database import Database
from hub.store.migrate import upgrade
from hub.store.order_queries import OrderFilter, OrderSort
from hub.store.tables import metadata, orders
from tests.conftest import PAYLOADS, POSTGRES_ADMIN_URL


async def test_migrated_schema_matches_the_tables(db: Database) -> None:
    def diff(conn: Connection) -> list[object]:
        def include(item: object, name: object, kind: str, reflected: bool, other: object) -> bool:
            # an index for some databases only (``info["dialects"]``) exists only there
            dialects = getattr(item, "info", {}).get("dialects") if kind == "index" else None
            if kind == "table" and reflected and str(name).startswith("orders_search"):
                return False  # SQLite's FTS5 index of the search text (0026), not a table
            return dialects is None or conn.dialect.name in dialects

        context = MigrationContext.configure(conn, opts={"include_object": include})
        return compare_metadata(context, metadata)

    async with db.engine.connect() as conn:
        assert await conn.run_sync(diff) == []


async def test_order_numbers_start_from_the_seeded_counter(db: Database) -> None:
    async with db.read() as conn:
        value = (await conn.execute(text("SELECT value FROM counters"))).scalar_one()
    assert value == 100000


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database of each kind that no migration has touched."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        return
    name = f"hub_old_{uuid.uuid4().hex[:10]}"
    admin = POSTGRES_ADMIN_URL.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
        yield normalise_database_url(admin.rsplit("/", 1)[0] + f"/{name}")
    finally:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


async def test_0014_fills_the_search_text_of_orders_already_stored(empty_url: str) -> None:
    upgrade(empty_url, "0010")
    data = (PAYLOADS / "order_callcentre.json").read_bytes()
    row = {
        "id": "01JQ7Z4W0YF0J8Q2N1V3X5B7C9",
        "number": "H-100007",
        "public_ref": "K7QM-9XCD-2PFA-H3TW",
        "channel": "callcentre",
        "external_id": "CC-1042",
        "status": "received",
        "placed_at": datetime(2025, 3, 14, tzinfo=UTC),
        "received_at": datetime(2025, 3, 14, tzinfo=UTC),
        "updated_at": datetime(2025, 3, 14, tzinfo=UTC),
        "currency": "EUR",
        "total": 7015,
        "content_hash": "x",
        "version": 1,
        "doc": msgspec.json.encode(msgspec.json.decode(data, type=OrderData)),
    }
    db = Database(empty_url)
    try:
        async with db.write() as conn:
            await conn.execute(insert(orders).values(row))
        upgrade(empty_url)
        async with db.read() as conn:
            search, edits = (await conn.execute(select(orders.c.search, orders.c.edits))).one()
            found = await order_queries.list_page(
                conn, OrderFilter(q="renée"), sort=OrderSort.PLACED_DESC, after=None, limit=5
            )
    finally:
        await db.dispose()
    assert (
        search
        == "h-100007\ncc-1042\n#1042\nrenée müller-øberg\nrenee@example.com\nrenée müller-øberg"
    )
    assert edits is None
    assert [o.number for o in found] == ["H-100007"]


async def test_0026_fills_the_tallies_and_the_search_index_from_the_orders(
    empty_url: str,
) -> None:
    upgrade(empty_url, "0025")
    data = msgspec.json.decode((PAYLOADS / "order_callcentre.json").read_bytes(), type=OrderData)
    placed = [datetime(2025, 3, 14, 9, 5, tzinfo=UTC), datetime(2025, 3, 14, 9, 55, tzinfo=UTC),
              datetime(2025, 3, 14, 11, 0, tzinfo=UTC)]  # fmt: skip
    rows = [
        {"id": f"0{n}".ljust(26, "0"), "number": f"H-10000{n}", "public_ref": f"REF-{n}",
         "channel": channel, "external_id": f"E-{n}", "status": status, "placed_at": at,
         "received_at": at, "updated_at": at, "currency": "EUR", "total": 7015,
         "content_hash": "x", "version": 1, "doc": msgspec.json.encode(data),
         "search": f"h-10000{n}\nbuyer number {n}"}
        for n, (channel, status, at) in enumerate(
            [("callcentre", "received", placed[0]), ("callcentre", "shipped", placed[1]),
             ("shop-eu", "shipped", placed[2])]
        )
    ]  # fmt: skip
    db = Database(empty_url)
    try:
        async with db.write() as conn:
            await conn.execute(insert(orders), rows)
        upgrade(empty_url)
        async with db.read() as conn:
            kept = await conn.run_sync(order_tally.counted)
            recounted = await conn.run_sync(order_tally.recounted)
            found = await order_queries.list_page(
                conn, OrderFilter(q="number 2"), sort=OrderSort.PLACED_DESC, after=None, limit=5
            )
    finally:
        await db.dispose()
    assert kept == recounted
    assert kept[0] == {("callcentre", "received"): 1, ("callcentre", "shipped"): 1,
                       ("shop-eu", "shipped"): 1}  # fmt: skip
    assert kept[1] == {("callcentre", datetime(2025, 3, 14, 9, tzinfo=UTC)): 2,
                       ("shop-eu", datetime(2025, 3, 14, 11, tzinfo=UTC)): 1}  # fmt: skip
    assert [o.number for o in found] == ["H-100002"]
