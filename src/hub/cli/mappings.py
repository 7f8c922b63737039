"""``hub mappings check`` and ``hub normalize``: try mappings and connectors on files, offline.

Neither touches the database, so this module loads none of it (see the package docstring).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import msgspec

from hub.mapping import MappingError, mappings_dir, scan_dir
from hub.plugins import ConnectorLoadError, discover
from hub.sdk import ConnectorError


@click.group()
def mappings() -> None:
    """Mapping files: partner documents to canonical orders."""


@mappings.command("check")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder to check (default: HUB_MAPPINGS_DIR or the hub's own mappings/).",
)
def mappings_check(directory: Path | None) -> None:
    """Load and compile every mapping; print each name, or one line per error."""
    try:
        path = directory or mappings_dir()
        loaded, errors = scan_dir(path)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from None
    for mapping in loaded:
        click.echo(f"{mapping.name} OK")
    for error in errors:
        click.echo(str(error), err=True)
    if errors:
        sys.exit(1)
    if not loaded:
        raise click.ClickException(f"no mapping files (*.yaml, *.yml) in {path}")


@click.command()
@click.argument("connector_name", metavar="CONNECTOR")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--channel", help="The connection code the orders belong to (default: CONNECTOR).")
@click.option("--mapping", "mapping_name", help="The mapping to use (generic connectors).")
def normalize(
    connector_name: str, files: tuple[Path, ...], channel: str | None, mapping_name: str | None
) -> None:
    """Print the canonical orders a partner's documents give, as a JSON array."""
    try:
        found = discover()
    except ConnectorLoadError as exc:
        raise click.ClickException(str(exc)) from None
    connector = found.get(connector_name)
    if connector is None:
        known = ", ".join(sorted(found)) or "none"
        raise click.ClickException(f"unknown connector {connector_name!r} (installed: {known})")
    documents = [f.read_bytes() for f in files]
    settings = {"mapping": mapping_name} if mapping_name else {}
    try:
        orders = connector.normalize(
            documents, channel=channel or connector_name, settings=settings
        )
    except (MappingError, ConnectorError) as exc:
        raise click.ClickException(str(exc)) from None
    for o in orders:
        if o.state != "open":
            click.echo(f"{o.order.external_id}: the channel says {o.state}", err=True)
    body = msgspec.json.encode([o.order for o in orders])
    click.echo(msgspec.json.format(body, indent=2).decode())
