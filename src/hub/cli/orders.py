"""``hub import`` (orders from a CSV file) and ``hub poll`` (fetch a channel's orders now)."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import click
from rich.progress import Progress

from hub.bootstrap import Hub
from hub.cli._common import console, load_settings
from hub.cli._hub import run_hub
from hub.cli.db import migrate_embedded
from hub.services.intake import polling
from hub.services.orders import require_channel
from hub.services.orders_csv import (
    COLUMNS,
    EXAMPLE,
    CsvFormatError,
    ImportReport,
    import_orders,
    read_orders,
    write_report,
)


@click.command("poll")
@click.argument("connection")
@click.option(
    "--returns", "returns", is_flag=True,
    help="Poll for the returns and refunds the channel reports (eBay, Amazon) instead.",
)  # fmt: skip
def poll_command(connection: str, returns: bool) -> None:
    """Poll CONNECTION for orders now; the worker maps what was fetched."""
    how = polling.poll_returns if returns else polling.poll
    summary = run_hub(load_settings(writes=True), lambda hub: how(hub.job_context(), connection))
    click.echo(
        f"{connection}: {summary.pages} page(s), {summary.new} new, {summary.seen} seen before"
    )


def _import_help() -> str:
    """``hub import --help``: what the file holds, every column, and an example file."""
    groups = [
        textwrap.fill(
            ", ".join(columns), width=74, initial_indent=f"{label:<10}", subsequent_indent=" " * 10
        )
        for label, columns in COLUMNS
    ]
    example = textwrap.indent(EXAMPLE.rstrip(), "  ")
    return f"""Import orders from a CSV file, one row per order line.

Rows with the same external_id are one order; its order columns are read from its first
row. Amounts are decimals in the order's currency (29.90). Each order is checked like
POST /orders: good orders go in, each bad one is reported with its line, field and reason
(exit status 1). Importing the same file again adds nothing.

\b
Columns (a header row names them, in any order; tags are separated by |):
{chr(10).join(groups)}

\b
Example (one order with two lines):
{example}
"""


@click.command("import", help=_import_help())
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--channel", default="callcentre", show_default=True)
@click.option("--report", type=click.Path(dir_okay=False), help="Write failures as CSV here.")
def import_command(path: str, channel: str, report: str | None) -> None:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        text = handle.read()
    try:
        parsed = list(read_orders(text, channel=channel))
    except CsvFormatError as exc:
        raise click.ClickException(f"{path}: {exc}") from None
    settings = load_settings(writes=True)
    migrate_embedded(settings)

    async def work(hub: Hub) -> ImportReport:
        require_channel(hub.connections, channel)  # callcentre or a configured connection
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("importing", total=len(parsed))
            return await import_orders(
                hub.writer,
                parsed,
                actor=f"import:{Path(path).name}",
                progress=lambda n: progress.advance(task, n),
            )

    result = run_hub(settings, work)
    for external_id, reason in result.failures:
        click.echo(f"failed {external_id}: {reason}", err=True)
    if report:
        write_report(report, result.failures)
    click.echo(
        f"{result.created} created, {result.existing} already there, {result.failed_orders} failed"
    )
    if result.failures:
        sys.exit(1)
