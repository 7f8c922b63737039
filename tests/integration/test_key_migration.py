"""Migration 0011 on a database that already has keys: order keys keep reading stock, the
catalog and the connections (now their own scopes); channel keys do not; no key expires."""

from __future__ import annotations

import runpy
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import msgspec
import pytest
from sqlalchemy import text

from hub.clock import utcnow
from hub.config import normalise_database_url
from hub.services import keys as key_service
from hub.store.database import Database
from hub.store.migrate import migrations_dir, upgrade
from tests.conftest import POSTGRES_ADMIN_URL

MIGRATION = next(migrations_dir().joinpath("versions").glob("*_key_expiry_scopes.py"))
BEFORE = str(runpy.run_path(str(MIGRATION))["down_revision"])
KEYS = {
    "callcentre-ui": ["orders:write"],
    "reporting": ["orders:read"],
    "shop-eu": ["channel:shop-eu"],
    "3pl": ["stock:write"],
    "ops": ["admin"],
}


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        return
    admin = POSTGRES_ADMIN_URL.replace("postgresql+asyncpg://", "postgresql://")
    name = f"hub_keys_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
        yield normalise_database_url(admin.rsplit("/", 1)[0] + f"/{name}")
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def test_existing_order_keys_keep_their_reads(empty_url: str) -> None:
    upgrade(empty_url, BEFORE)
    db = Database(empty_url)
    try:
        async with db.write() as conn:
            for i, (name, scopes) in enumerate(KEYS.items()):
                await conn.execute(
                    text(
                        "INSERT INTO api_keys (id, name, prefix, key_hash, scopes, created_at)"
                        " VALUES (:id, :name, 'hub_x', :hash, :scopes, :at)"
                    ),
                    {
                        "id": f"K{i}",
                        "name": name,
                        "hash": f"{i:064d}",
                        "scopes": msgspec.json.encode(scopes).decode(),
                        "at": utcnow(),
                    },
                )
        upgrade(empty_url)
        found = {k.name: k for k in await key_service.list_keys(db)}
    finally:
        await db.dispose()
    kept = ["catalog:read", "connections:read", "stock:read"]
    assert found["callcentre-ui"].scopes == sorted(["orders:write", *kept])
    assert found["reporting"].scopes == sorted(["orders:read", *kept])
    assert found["shop-eu"].scopes == ["channel:shop-eu"]
    assert found["3pl"].scopes == ["stock:write"]
    assert found["ops"].scopes == ["admin"]
    assert {k.expires_at for k in found.values()} == {None}
