"""``hub.store.bulk.insert_rows`` on SQLite and PostgreSQL: rows stored exactly as through
SQLAlchemy (UTC datetimes, bytes, scalar defaults), in the caller's transaction, and a
refused row raised as SQLAlchemy's ``IntegrityError`` (the order writer splits on it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError

from hub.store.bulk import insert_rows
from hub.store.database import Database
from hub.store.tables import idempotency_keys, jobs

AT = datetime(2026, 3, 14, 10, 22, 30, 123456, tzinfo=timezone(timedelta(hours=1)))


def _idem(key: str) -> dict[str, object]:
    return {"scope": "s", "key": key, "request_hash": "h" * 64, "status_code": 201,
            "response": b'{"id":"x"}', "created_at": AT}  # fmt: skip


async def test_rows_read_back_as_through_sqlalchemy(db: Database) -> None:
    def write(conn: Connection) -> None:
        insert_rows(conn, idempotency_keys, [_idem("bulk-1"), _idem("bulk-2")])
        conn.execute(insert(idempotency_keys), [_idem("core-1")])
        job = {"kind": "k", "payload": b"{}", "state": "pending", "max_attempts": 3,
               "run_at": AT, "created_at": AT, "updated_at": AT}  # fmt: skip
        insert_rows(conn, jobs, [job])  # attempts left out: its default, 0

    await db.run_write(write)
    async with db.read() as conn:
        rows = {r.key: r for r in await conn.execute(select(idempotency_keys))}
        job = (await conn.execute(select(jobs))).one()
    assert set(rows) == {"bulk-1", "bulk-2", "core-1"}
    for key in ("bulk-1", "bulk-2"):
        assert tuple(rows[key])[2:] == tuple(rows["core-1"])[2:]
    assert rows["bulk-1"].created_at == AT.astimezone(UTC)
    assert rows["bulk-1"].response == b'{"id":"x"}'
    assert job.attempts == 0 and job.run_at == AT


async def test_a_refused_row_is_an_integrity_error_and_rolls_back(db: Database) -> None:
    await db.run_write(lambda conn: insert_rows(conn, idempotency_keys, [_idem("taken")]))

    def write(conn: Connection) -> None:
        insert_rows(conn, idempotency_keys, [_idem("new"), _idem("taken")])

    with pytest.raises(IntegrityError):
        await db.run_write(write)
    async with db.read() as conn:
        keys = {r.key for r in await conn.execute(select(idempotency_keys.c.key))}
    assert keys == {"taken"}
