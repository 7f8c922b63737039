"""The engine and its transactions.

On SQLite every write transaction starts with ``BEGIN IMMEDIATE`` and, within a process, goes
through one lock, so writers queue in order instead of failing with "database is locked";
readers use their own connections and never wait for a writer (WAL). On PostgreSQL both are
plain pooled transactions.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine


def _sqlite_engine(url: str, begin: str, pool_size: int) -> AsyncEngine:
    engine = create_async_engine(
        url, pool_size=pool_size, max_overflow=0, connect_args={"timeout": 30}
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")  # a commit is on disk before we answer
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    return engine


class Database:
    """Both engines of one database, and the in-process signal that jobs are waiting."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.dialect = make_url(url).get_backend_name()
        self.is_sqlite = self.dialect == "sqlite"
        if self.is_sqlite:
            self.engine = _sqlite_engine(url, "BEGIN IMMEDIATE", 1)
            self.read_engine = _sqlite_engine(url, "BEGIN", 4)
        else:
            self.engine = create_async_engine(url, pool_size=pool_size, max_overflow=pool_size)
            self.read_engine = self.engine
        self._write_lock: asyncio.Lock | None = None
        self._jobs_waiting: asyncio.Event | None = None

    @property
    def jobs_waiting(self) -> asyncio.Event:
        if self._jobs_waiting is None:
            self._jobs_waiting = asyncio.Event()
        return self._jobs_waiting

    def signal_jobs(self) -> None:
        """Wake this process's worker: a transaction just committed new jobs."""
        self.jobs_waiting.set()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """One write transaction; commits when the block ends, rolls back on error."""
        if self.is_sqlite and self._write_lock is None:
            self._write_lock = asyncio.Lock()
        async with self._write_lock or nullcontext():
            async with self.engine.begin() as conn:
                yield conn

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """One read-only snapshot."""
        async with self.read_engine.connect() as conn:
            async with conn.begin():
                yield conn

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()
