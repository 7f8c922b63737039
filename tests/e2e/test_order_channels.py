"""An order entered directly (``POST /orders``, ``hub import``) must name a channel the hub
knows: the callcentre, or a configured connection (``connector: callcentre`` for a custom
channel). Any other channel is refused, naming ``channel``, and nothing is written."""

from __future__ import annotations

import asyncio
from pathlib import Path

from click.testing import CliRunner
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from hub.api.app import create_app
from hub.cli import main
from hub.config import Settings
from hub.store.database import Database
from hub.store.tables import orders
from tests.conftest import PAYLOADS
from tests.e2e.test_orders_api import assert_nothing_written, assert_problem, load
from tests.support.channels import with_channels


async def channels_of_orders(db: Database) -> list[tuple[str, str]]:
    async with db.read() as conn:
        rows = await conn.execute(select(orders.c.channel, orders.c.external_id))
        return sorted((r.channel, r.external_id) for r in rows)


async def test_an_order_for_a_channel_with_no_connection_is_refused(
    settings: Settings, db: Database, auth: dict[str, str], tmp_path: Path
) -> None:
    configured = with_channels(settings, tmp_path, "wholesale")
    body = load("order_minimal")
    async with AsyncTestClient(app=create_app(configured, run_worker=False)) as client:
        r = await client.post("/orders", json=body | {"channel": "shop-eu"}, headers=auth)
        problem = assert_problem(r, 422, "channel")
        assert "no such connection: 'shop-eu'" in problem["detail"]
        await assert_nothing_written(client, auth, db)
        for channel in ("callcentre", "wholesale"):
            r = await client.post("/orders", json=body | {"channel": channel}, headers=auth)
            assert r.status_code == 201, r.text
    assert await channels_of_orders(db) == [("callcentre", "MIN-1"), ("wholesale", "MIN-1")]


def _import(settings: Settings, *args: str) -> tuple[int, str]:
    env = {"HUB_DATABASE_URL": settings.database_url, "HUB_CONFIG": settings.config_path or ""}
    result = CliRunner().invoke(
        main, ["import", str(PAYLOADS / "import_orders.csv"), *args], env=env
    )
    return result.exit_code, result.output


async def test_a_csv_import_for_a_channel_with_no_connection_is_refused(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    configured = with_channels(settings, tmp_path, "wholesale")
    code, out = await asyncio.to_thread(_import, configured, "--channel", "phone")
    assert code == 1
    assert "no such connection: 'phone'" in out
    assert await channels_of_orders(db) == []
    code, out = await asyncio.to_thread(_import, configured, "--channel", "wholesale")
    assert "2 created" in out, out
    assert await channels_of_orders(db) == [("wholesale", "CC-100"), ("wholesale", "CC-101")]
