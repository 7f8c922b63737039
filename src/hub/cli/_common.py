"""What the command modules share: the console, the settings, and running work on the database."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click
from rich.console import Console
from sqlalchemy.exc import DBAPIError

from hub import config
from hub.cli import _database
from hub.errors import HubError
from hub.store.database import Database

T = TypeVar("T")
console = Console()


def load_settings(*, writes: bool = False, creates: bool = False) -> config.Settings:
    """The settings from the environment and ``hub --database``; a bad one stops the command
    on one line. The database is resolved here, once. A command that ``writes`` names it on
    stderr (``announce``; ``hub serve`` and the like call that after their own checks). Only
    a command that ``creates`` (``hub serve``, ``hub worker``, ``hub db upgrade``) may start
    a new SQLite file: the others refuse one that is not there, naming it."""
    env, source = _database.environment()
    try:
        settings = config.load(env)
    except config.ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    missing = _database.missing_file(settings.database_url)
    if missing is not None and not creates:
        raise click.ClickException(
            f"no hub database at {missing} ({source}): run this where the hub keeps it, "
            "name it with --database or HUB_DATABASE_URL, or start a hub here with `hub serve`"
        )
    if writes:
        announce(settings)
    return settings


def announce(settings: config.Settings) -> None:
    """Name the database on stderr, one line (a command that writes, once its checks pass)."""
    click.echo(f"database: {_database.shown(settings.database_url)}", err=True)


def run(settings: config.Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    """Run ``work(db)`` against the configured database and report errors on one line."""

    async def main() -> T:
        db = Database(settings.database_url)
        try:
            return await work(db)
        finally:
            await db.dispose()

    try:
        return asyncio.run(main())
    except HubError as exc:
        raise click.ClickException(exc.detail) from None
    except OSError as exc:
        raise click.ClickException(f"cannot reach the database: {exc}") from None
    except DBAPIError as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0]
        hint = ""
        if "no such table" in reason or ("relation" in reason and "does not exist" in reason):
            hint = "; is the schema there? run `hub db upgrade`"
        raise click.ClickException(f"database error: {reason}{hint}") from None
