"""``hub stock``: show a SKU's stock, and push every figure to the channels now."""

from __future__ import annotations

import sys
from typing import Any

import click
from rich.progress import Progress
from rich.table import Table

from hub.bootstrap import Hub
from hub.cli._common import console, load_settings, run
from hub.cli._hub import run_hub
from hub.cli.db import migrate_embedded
from hub.services import stock as stock_service
from hub.services import stock_sync


@click.group()
def stock() -> None:
    """Stock levels per SKU and location."""


@stock.command("show")
@click.argument("sku")
def stock_show(sku: str) -> None:
    """On hand, reserved and available of SKU at each location."""
    view = run(load_settings(), lambda db: stock_service.get_stock(db, sku))
    table = Table("location", "bin", "on hand", "reserved", "available", title=sku)
    for row in view.locations:
        figures = (row.on_hand, row.reserved, row.available)
        table.add_row(row.location, row.bin or "", *map(str, figures))
    table.add_row("all", "", str(view.on_hand), str(view.reserved), str(view.available))
    console.print(table)


@stock.command("resync")
@click.option("--channel", "channels", multiple=True, help="Only this connection (repeatable).")
def stock_resync(channels: tuple[str, ...]) -> None:
    """Push every SKU's figure to every stock-pushing channel (or --channel), now."""
    settings = load_settings(writes=True)
    migrate_embedded(settings)

    async def work(hub: Hub) -> list[stock_sync.PushSummary]:
        ctx = hub.job_context()
        with Progress(console=console, transient=True) as progress:
            tasks: dict[str, Any] = {}

            def step(code: str, done: int, total: int) -> None:
                if code not in tasks:
                    tasks[code] = progress.add_task(code, total=total)
                progress.update(tasks[code], completed=done, total=total)

            try:
                return await stock_sync.resync(ctx, list(channels) or None, progress=step)
            except ValueError as exc:
                raise click.ClickException(str(exc)) from None

    summaries = run_hub(settings, work)
    if not summaries:
        raise click.ClickException("no connection pushes stock (see stock_push in HUB_CONFIG)")
    table = Table("channel", "calls", "pushed", "unchanged", "rejected", "error")
    for s in summaries:
        row = (s.calls, s.pushed, s.unchanged, s.rejected)
        table.add_row(s.connection, *map(str, row), s.error or "")
    console.print(table)
    if any(s.rejected or s.error for s in summaries):
        click.echo("what was not pushed stays pending for the worker", err=True)
        sys.exit(1)
