"""Migration 0012 keeps the quarantine reasons a database already holds: each becomes the
first entry of its message's history (``inbound_reasons``), on both databases."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import insert, select

from hub.config import normalise_database_url
from hub.store.database import Database
from hub.store.migrate import upgrade
from hub.store.tables import inbound_messages, inbound_reasons
from tests.conftest import POSTGRES_ADMIN_URL, _in_thread

WHEN = datetime(2025, 3, 14, 10, 5, tzinfo=UTC)
ADMIN = POSTGRES_ADMIN_URL.replace("postgresql+asyncpg://", "postgresql://")


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(ADMIN, timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of each kind with no schema at all."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        return
    name = f"hub_migrate_{uuid.uuid4().hex[:10]}"
    _in_thread(_admin(f'CREATE DATABASE "{name}"'))
    yield normalise_database_url(ADMIN.rsplit("/", 1)[0] + f"/{name}")
    _in_thread(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def message(message_id: str, status: str, reason: str | None) -> dict[str, object]:
    return {
        "id": message_id, "connection": "acme", "source": "webhook", "dedupe_key": message_id,
        "topic": None, "received_at": WHEN, "updated_at": WHEN, "status": status,
        "reason": reason, "order_ids": None, "headers": "{}", "body": b"{}",
    }  # fmt: skip


async def test_the_reasons_held_become_the_first_of_each_history(empty_url: str) -> None:
    upgrade(empty_url, "0010")
    db = Database(empty_url)
    try:
        async with db.write() as conn:
            await conn.execute(
                insert(inbound_messages),
                [
                    message("01A", "quarantined", "acme_order: payment.status: 'x' unknown"),
                    message("01B", "processed", None),
                ],
            )
        await db.dispose()
        upgrade(empty_url, "0012")
        async with db.read() as conn:
            rows = (await conn.execute(select(inbound_reasons))).all()
    finally:
        await db.dispose()
    assert [(r.message_id, r.actor, r.reason, r.at) for r in rows] == [
        ("01A", "worker", "acme_order: payment.status: 'x' unknown", WHEN)
    ]
