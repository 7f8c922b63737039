"""``hub keys``: create, list and revoke API keys."""

from __future__ import annotations

import click
from rich.table import Table

from hub.cli._common import console, load_settings, run
from hub.cli.db import migrate_embedded
from hub.clock import utcnow
from hub.errors import HubError
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
    help="admin, orders:read, orders:write, fulfilment:read, fulfilment:write, stock:read, "
    "stock:write, catalog:read, catalog:write, connections:read, channel:<code> (with "
    "ats:read for its own available to sell); repeat for several. See the README's table.",
)
@click.option(
    "--expires",
    default=None,
    metavar="WHEN",
    help="When the key stops working: a duration (90d, 12h, 30m, 2w), a date (2026-01-31, "
    "00:00 UTC) or a date-time with a UTC offset. Default: never.",
)
def keys_create(name: str, scopes: tuple[str, ...], expires: str | None) -> None:
    """Create a key and print it once (only its hash is stored)."""
    try:
        expires_at = key_service.expiry_from(expires, utcnow()) if expires else None
    except HubError as exc:
        raise click.BadParameter(exc.detail, param_hint="--expires") from None
    settings = load_settings()
    migrate_embedded(settings)
    info, plain = run(
        settings, lambda db: key_service.create(db, name, scopes, expires_at=expires_at)
    )
    click.echo(plain)
    if info.expires_at:
        click.echo(f"{name}: expires {info.expires_at}", err=True)


@keys.command("list")
def keys_list() -> None:
    """List keys (never the keys themselves)."""
    table = Table("name", "prefix", "scopes", "created", "expires", "revoked")
    for k in run(load_settings(), key_service.list_keys):
        expires = k.expires_at or "never"
        if k.expired:
            expires += " (expired)"
        table.add_row(
            k.name,
            k.prefix,
            " ".join(k.scopes),
            k.created_at,
            expires,
            "yes" if k.revoked else "",
        )
    console.print(table)


@keys.command("revoke")
@click.argument("name")
def keys_revoke(name: str) -> None:
    """Revoke the key called NAME."""
    run(load_settings(), lambda db: key_service.revoke(db, name))
    click.echo(f"revoked {name}")
