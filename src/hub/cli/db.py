"""``hub db upgrade``, and the embedded database's own upgrade when a command starts."""

from __future__ import annotations

import click

from hub import config
from hub.cli._common import announce, load_settings
from hub.store.migrate import upgrade


def migrate_embedded(settings: config.Settings) -> None:
    """SQLite (the embedded database) brings its schema up to date by itself."""
    if settings.is_sqlite:
        upgrade(settings.database_url)


@click.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""
    settings = load_settings(creates=True)
    announce(settings)
    try:
        upgrade(settings.database_url, revision)
    except Exception as exc:
        raise click.ClickException(f"migration failed: {type(exc).__name__}: {exc}") from None
    click.echo(f"database at {revision}")
