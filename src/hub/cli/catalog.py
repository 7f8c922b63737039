"""``hub catalog import``: SKUs, their listings and aliases from a CSV file."""

from __future__ import annotations

import sys

import click
from rich.progress import Progress

from hub.cli._common import console, load_settings, run
from hub.cli.db import migrate_embedded
from hub.services.catalog_csv import CsvFormatError, import_skus, read_skus
from hub.store.database import Database


@click.group()
def catalog() -> None:
    """The catalog: SKUs, their listings per connection, and their aliases."""


@catalog.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 1000))
def catalog_import(path: str, batch_size: int) -> None:
    """Create or replace SKUs from a CSV file: sku, name, attributes, aliases, listing:<code>."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        text = handle.read()
    try:
        rows = read_skus(text)
    except CsvFormatError as exc:
        raise click.ClickException(f"{path}: {exc}") from None
    settings = load_settings(writes=True)
    migrate_embedded(settings)

    async def work(db: Database) -> tuple[int, list[tuple[int, str]]]:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("importing SKUs", total=len(rows))
            return await import_skus(
                db, rows, batch_size=batch_size, progress=lambda n: progress.advance(task, n)
            )

    stored, failures = run(settings, work)
    for line, reason in failures:
        click.echo(f"failed line {line}: {reason}", err=True)
    click.echo(f"{stored} stored, {len(failures)} failed")
    if failures:
        sys.exit(1)
