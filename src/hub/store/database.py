"""The engine and its transactions.

On SQLite every write transaction starts with ``BEGIN IMMEDIATE`` and, within a process, goes
through one lock, so writers queue in order instead of failing with "database is locked";
readers use their own connections and never wait for a writer (WAL). On PostgreSQL both are
plain pooled transactions.

``run_write`` runs a whole synchronous transaction function in one go. On SQLite it runs in
a dedicated thread on a plain ``sqlite3`` connection: one thread hop per transaction instead
of several per statement through aiosqlite, which is what limits async SQLite. On PostgreSQL
it runs on the async connection through SQLAlchemy's ``run_sync``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, nullcontext
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

T = TypeVar("T")


def _sqlite_setup(sync_engine: Engine, begin: str) -> None:
    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")  # a commit is on disk before we answer
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)


def _sqlite_engine(url: str, begin: str, pool_size: int) -> AsyncEngine:
    engine = create_async_engine(
        url, pool_size=pool_size, max_overflow=0, connect_args={"timeout": 30}
    )
    _sqlite_setup(engine.sync_engine, begin)
    return engine


def _sqlite_sync_engine(url: str) -> Engine:
    """One plain sqlite3 connection, used only from the writer thread."""
    sync_url = make_url(url).set(drivername="sqlite")
    engine = create_engine(
        sync_url, poolclass=StaticPool, connect_args={"timeout": 30, "check_same_thread": False}
    )
    _sqlite_setup(engine, "BEGIN IMMEDIATE")
    return engine


class Database:
    """Both engines of one database, and the in-process signal that jobs are waiting."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.dialect = make_url(url).get_backend_name()
        self.is_sqlite = self.dialect == "sqlite"
        self._sync_engine: Engine | None = None
        self._thread: ThreadPoolExecutor | None = None
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

    def _lock(self) -> asyncio.Lock | nullcontext[None]:
        if not self.is_sqlite:
            return nullcontext()
        if self._write_lock is None:
            self._write_lock = asyncio.Lock()
        return self._write_lock

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """One write transaction; commits when the block ends, rolls back on error."""
        async with self._lock():
            async with self.engine.begin() as conn:
                yield conn

    async def run_write(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn(conn)`` as one write transaction; commits if it returns, else rolls back."""
        if not self.is_sqlite:
            async with self.engine.begin() as conn:
                return await conn.run_sync(fn)
        async with self._lock():
            if self._thread is None:
                self._thread = ThreadPoolExecutor(1, thread_name_prefix="hub-sqlite-writer")
                self._sync_engine = _sqlite_sync_engine(self.url)
            engine = self._sync_engine
            assert engine is not None

            def transaction() -> T:
                with engine.begin() as conn:
                    return fn(conn)

            return await asyncio.get_running_loop().run_in_executor(self._thread, transaction)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """One read-only snapshot."""
        async with self.read_engine.connect() as conn:
            async with conn.begin():
                yield conn

    async def ping(self) -> None:
        """Ask the database to answer; raises when it cannot."""
        async with self.read() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()
        if self._thread is not None:
            engine = self._sync_engine
            if engine is not None:
                await asyncio.get_running_loop().run_in_executor(self._thread, engine.dispose)
            self._thread.shutdown(wait=True)
            self._thread = None
            self._sync_engine = None
