"""``hub documents export``: issued documents for the bookkeeper, one CSV row each."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from rich.console import Console
from rich.progress import Progress

from hub.cli._common import load_settings, run
from hub.services.documents import views
from hub.store.database import Database

#: the progress bar goes to stderr: stdout is the CSV
progress_console = Console(stderr=True)


@click.group()
def documents() -> None:
    """Invoices, receipts and credit notes: export them for the bookkeeper."""


@documents.command("export")
@click.option(
    "--since", "since", type=click.DateTime(["%Y-%m-%d"]), required=True,
    help="documents issued on or after this date (YYYY-MM-DD)",
)  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(["csv"]), default="csv", show_default=True)
@click.option("--series", multiple=True, help="only this series (repeat for more)")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="write here, not stdout")
def export(since: datetime, fmt: str, series: tuple[str, ...], output: str | None) -> None:
    """One row per document with its net, tax and gross per tax rate (credit notes negative),
    amounts as decimals in the document's currency."""
    settings = load_settings()

    async def work(db: Database) -> str:
        with Progress(console=progress_console, transient=True) as progress:
            task = progress.add_task("exporting documents", total=None)
            return await views.export_csv(
                db,
                since=since.date(),
                series=list(series) or None,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )

    text = run(settings, work)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"{max(text.count(chr(10)) - 1, 0)} document(s) written to {output}", err=True)
    else:
        click.echo(text, nl=False)
