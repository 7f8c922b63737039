"""``hub keys``: create, list and revoke API keys."""

from __future__ import annotations

import click

from hub.cli._columns import echo_json, json_option, natural_width, render, terminal_width
from hub.cli._common import load_settings, run
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
    "stock:write, catalog:read, catalog:write, connections:read, payments:write, "
    "channel:<code> (with "
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
    settings = load_settings(writes=True)
    migrate_embedded(settings)
    info, plain = run(
        settings, lambda db: key_service.create(db, name, scopes, expires_at=expires_at)
    )
    click.echo(plain)
    if info.expires_at:
        click.echo(f"{name}: expires {info.expires_at}", err=True)


@keys.command("list")
@json_option
def keys_list(as_json: bool) -> None:
    """List keys (never the keys themselves); scopes under each key when they do not fit."""
    items = run(load_settings(), key_service.list_keys)
    if as_json:
        echo_json(items)
        return
    headers = ["NAME", "PREFIX", "SCOPES", "CREATED (UTC)", "EXPIRES", ""]
    rows = [
        [k.name, k.prefix, " ".join(k.scopes), _minute(k.created_at), _expiry(k), _state(k)]
        for k in items
    ]
    if natural_width(headers, rows) <= terminal_width():
        click.echo(render(headers, rows))
        return
    narrow = [[r[0], r[1], r[3], r[4], r[5]] for r in rows]
    notes = [f"scopes: {r[2]}" for r in rows]
    click.echo(render([*headers[:2], *headers[3:]], narrow, shrink=(0,), notes=notes))


def _minute(iso: str) -> str:
    return iso[:16].replace("T", " ")


def _expiry(key: key_service.KeyInfo) -> str:
    """The day it expires (UTC; --json has the exact time), or never."""
    return key.expires_at[:10] if key.expires_at else "never"


def _state(key: key_service.KeyInfo) -> str:
    if key.revoked:
        return "revoked"
    return "expired" if key.expired else ""


@keys.command("revoke")
@click.argument("name")
def keys_revoke(name: str) -> None:
    """Revoke the key called NAME."""
    run(load_settings(writes=True), lambda db: key_service.revoke(db, name))
    click.echo(f"revoked {name}")
