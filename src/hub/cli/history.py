"""``hub history``: past sales from a CSV file, and the demand history brought up to date."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import click
from rich.progress import Progress

from hub.cli._common import console, load_settings, run
from hub.cli.db import migrate_embedded
from hub.services import demand
from hub.services.demand.history_csv import (
    CsvFormatError,
    Imported,
    import_history,
    locations,
    read_history,
)
from hub.store.database import Database

SHOWN = 50  # failed lines printed; --report has them all


@click.group()
def history() -> None:
    """Demand history: past sales imported, and the daily units counted from the orders."""


@history.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--batch-size", default=2000, show_default=True, type=click.IntRange(1, 50_000))
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write every failed line to this CSV file (line, reason).",
)
def history_import(path: str, batch_size: int, report: Path | None) -> None:
    """Load past sales from a CSV file: date, sku, channel, units (optional location, kind).

    Each (date, sku, channel) the file names replaces what an earlier import said for it,
    so importing the same file twice changes nothing. Bad rows are reported by line and
    the exit code is 1; the good ones are kept.
    """
    settings = load_settings()
    migrate_embedded(settings)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        text = handle.read()

    async def work(db: Database) -> Imported:
        try:
            rows, bad = read_history(text, await locations(db))
        except CsvFormatError as exc:
            raise click.ClickException(f"{path}: {exc}") from None
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("importing history", total=len(rows) + len(bad))
            return await import_history(
                db,
                rows,
                bad,
                batch_size=batch_size,
                progress=lambda n: progress.advance(task, n),
            )

    done = run(settings, work)
    for line, reason in done.failures[:SHOWN]:
        click.echo(f"failed line {line}: {reason}", err=True)
    if len(done.failures) > SHOWN and report is None:
        click.echo(f"... and {len(done.failures) - SHOWN} more (--report FILE lists all)", err=True)
    if report is not None:
        with report.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["line", "reason"])
            writer.writerows(done.failures)
    click.echo(
        f"{done.rows} rows stored ({done.keys} SKU-channel days), {len(done.failures)} failed"
    )
    if done.failures:
        sys.exit(1)


@history.command("update")
@click.option("--rebuild", is_flag=True, help="Count every order again (after bundle changes).")
def history_update(rebuild: bool) -> None:
    """Count the orders changed since the last update into the daily history (the worker
    does this by itself every few seconds)."""
    settings = load_settings()
    migrate_embedded(settings)
    counted = run(settings, demand.rebuild if rebuild else demand.update_demand)
    click.echo(f"{counted} orders counted")
