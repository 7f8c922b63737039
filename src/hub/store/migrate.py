"""Run alembic migrations from the hub's own commands (``hub db upgrade``, embedded start)."""

from __future__ import annotations

import sqlite3
import threading
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url


def migrations_dir() -> Path:
    """The migrations folder: inside an installed wheel, or at the top of a source checkout."""
    packaged = resources.files("hub").joinpath("_migrations")
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[3] / "migrations"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError("the hub's migrations folder is missing from this installation")


def _config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.attributes["url"] = url
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision``. Safe to call from inside an event loop."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            command.upgrade(_config(url), revision)
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    thread = threading.Thread(target=run, name="hub-migrate")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    if url.startswith("sqlite"):
        _use_wal(url)


def _use_wal(url: str) -> None:
    """Leave a SQLite file in WAL mode. The mode is kept in the file, so no connection of the
    hub has to switch to it later: switching takes an exclusive lock, and two processes (or
    two engines) opening a fresh file at once could otherwise fail with "database is locked"."""
    path = make_url(url).database
    if not path or path == ":memory:":
        return
    conn = sqlite3.connect(path, timeout=30)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()


def current(url: str) -> str | None:
    """The revision the database is at (None when it was never migrated)."""
    sync_url = url.replace("+aiosqlite", "").replace("+asyncpg", "+asyncpg")
    if "+asyncpg" in sync_url:
        raise NotImplementedError("current() reads SQLite only")
    engine = create_engine(sync_url)
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
