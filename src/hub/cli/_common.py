"""What the command modules share: the console, the settings, and running work on the database."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click
from rich.console import Console
from sqlalchemy.exc import DBAPIError

from hub import config
from hub.errors import HubError
from hub.store.database import Database

T = TypeVar("T")
console = Console()


def load_settings() -> config.Settings:
    """The settings from the environment; a bad one stops the command on one line."""
    try:
        return config.load()
    except config.ConfigError as exc:
        raise click.ClickException(str(exc)) from None


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
