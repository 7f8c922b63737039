"""``hub stock show`` against a real database."""

from __future__ import annotations

from hub.services import stock
from hub.services.stock import LocationIn, MovementIn
from hub.store.database import Database
from tests.e2e.test_cli_jobs import hub


async def test_stock_show(db: Database, database_url: str) -> None:
    await stock.add_location(db, LocationIn(code="main", name="Main"))
    await stock.post_movements(db, [MovementIn("receipt", "TEE", "main", 7, "in")], actor="t")
    result = await hub(database_url, "stock", "show", "TEE")
    assert result.exit_code == 0, result.output
    assert "main" in result.output and "7" in result.output
    missing = await hub(database_url, "stock", "show", "NOPE")
    assert missing.exit_code == 1 and "no stock recorded for 'NOPE'" in missing.output
