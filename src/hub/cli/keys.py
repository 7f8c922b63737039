"""``hub keys``: create, list and revoke API keys."""

from __future__ import annotations

import click
from rich.table import Table

from hub.cli._common import console, load_settings, run
from hub.cli.db import migrate_embedded
from hub.services import keys as key_service


@click.group()
def keys() -> None:
    """API keys."""


@keys.command("create")
@click.option("--name", required=True, help="A unique name, e.g. callcentre-ui.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    help="admin, orders:read, orders:write or channel:<code>; repeat for several.",
)
def keys_create(name: str, scopes: tuple[str, ...]) -> None:
    """Create a key and print it once (only its hash is stored)."""
    settings = load_settings()
    migrate_embedded(settings)
    _, plain = run(settings, lambda db: key_service.create(db, name, scopes))
    click.echo(plain)


@keys.command("list")
def keys_list() -> None:
    """List keys (never the keys themselves)."""
    table = Table("name", "prefix", "scopes", "created", "revoked")
    for k in run(load_settings(), key_service.list_keys):
        table.add_row(
            k.name, k.prefix, " ".join(k.scopes), k.created_at, "yes" if k.revoked else ""
        )
    console.print(table)


@keys.command("revoke")
@click.argument("name")
def keys_revoke(name: str) -> None:
    """Revoke the key called NAME."""
    run(load_settings(), lambda db: key_service.revoke(db, name))
    click.echo(f"revoked {name}")
