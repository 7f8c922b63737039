"""``hub keys``: create, list and revoke API keys."""

from __future__ import annotations

import click

from hub.cli._columns import echo_json, json_option, natural_width, render, terminal_width
from hub.cli._common import load_settings, run
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
    settings = load_settings(writes=True)
    migrate_embedded(settings)
    _, plain = run(settings, lambda db: key_service.create(db, name, scopes))
    click.echo(plain)


@keys.command("list")
@json_option
def keys_list(as_json: bool) -> None:
    """List keys (never the keys themselves); scopes under each key when they do not fit."""
    items = run(load_settings(), key_service.list_keys)
    if as_json:
        echo_json(items)
        return
    headers = ["NAME", "PREFIX", "SCOPES", "CREATED (UTC)", ""]
    rows = [
        [k.name, k.prefix, " ".join(k.scopes), k.created_at[:16].replace("T", " "),
         "revoked" if k.revoked else ""]
        for k in items
    ]  # fmt: skip
    if natural_width(headers, rows) <= terminal_width():
        click.echo(render(headers, rows))
        return
    narrow = [[r[0], r[1], r[3], r[4]] for r in rows]
    notes = [f"scopes: {r[2]}" for r in rows]
    click.echo(render([*headers[:2], *headers[3:]], narrow, shrink=(0,), notes=notes))


@keys.command("revoke")
@click.argument("name")
def keys_revoke(name: str) -> None:
    """Revoke the key called NAME."""
    run(load_settings(writes=True), lambda db: key_service.revoke(db, name))
    click.echo(f"revoked {name}")
