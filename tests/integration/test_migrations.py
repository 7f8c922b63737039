"""The migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, text

from hub.store import planning_tables  # noqa: F401  (its tables join the metadata)
from hub.store.database import Database
from hub.store.tables import metadata


async def test_migrated_schema_matches_the_tables(db: Database) -> None:
    def diff(conn: Connection) -> list[object]:
        return compare_metadata(MigrationContext.configure(conn), metadata)

    async with db.engine.connect() as conn:
        assert await conn.run_sync(diff) == []


async def test_order_numbers_start_from_the_seeded_counter(db: Database) -> None:
    async with db.read() as conn:
        value = (await conn.execute(text("SELECT value FROM counters"))).scalar_one()
    assert value == 100000
