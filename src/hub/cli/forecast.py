"""``hub forecast``: run the forecasts, print their accuracy, write the HTML report."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click
from rich.progress import Progress
from rich.table import Table

from hub.cli._common import console, load_settings, run
from hub.cli.db import migrate_embedded
from hub.forecasting import ForecastConfig, ForecastUnavailable
from hub.services.forecast import RunSummary, run_forecasts
from hub.services.forecast.report import report_page
from hub.services.forecast.results import AccuracyTable, accuracy
from hub.store.database import Database

NOT_BEATEN = "does not beat seasonal naive"


@click.group()
def forecast() -> None:
    """Sales forecasts per SKU and SKU x channel: run them, check them, show them."""


@forecast.command("run")
@click.option(
    "--end",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Last day of history to use (default: yesterday, UTC).",
)
@click.option(
    "--horizon", default=12, show_default=True, type=click.IntRange(1, 104), help="Weeks."
)
@click.option(
    "--workers", default=0, show_default=True, type=click.IntRange(0, 64), help="0: one per CPU."
)
def forecast_run(end: Any, horizon: int, workers: int) -> None:
    """Forecast every SKU and SKU x channel from the demand history, and store the results
    (the worker does this every night)."""
    settings = load_settings()
    migrate_embedded(settings)
    config = ForecastConfig(horizon_weeks=horizon, workers=workers)
    history_end: date | None = end.date() if end else None

    async def work(db: Database) -> RunSummary:
        with Progress(console=console, transient=True) as progress:
            tasks: dict[str, Any] = {}

            def step(phase: str, done: int, total: int) -> None:
                if phase not in tasks:
                    label = {"history": "reading history", "forecast": "forecasting"}[phase]
                    tasks[phase] = progress.add_task(label, total=total)
                progress.update(tasks[phase], completed=done, total=total)

            return await run_forecasts(db, history_end=history_end, config=config, progress=step)

    try:
        summary = run(settings, work)
    except ForecastUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"run {summary.run_id}: {summary.series} series of {summary.skus} SKUs forecast "
        f"from history up to {summary.history_end} in {summary.seconds:.1f} s "
        f"({summary.orders_counted} changed orders counted first); "
        "see `hub forecast backtest`"
    )


def _verdict(row: Any) -> str:
    """The table's last column: "yes", or the marker of a series the baseline beats."""
    if row.beats_baseline is None:
        return "short" if row.demand_class == "short" else "-"
    return "yes" if row.beats_baseline else "NO"


def _fmt(value: float | None, pattern: str = "{:.2f}") -> str:
    return "" if value is None else pattern.format(value)


def _table(found: AccuracyTable) -> Table:
    table = Table("sku", "channel", "class", "model", "MASE", "naive", "bias", "beats")
    for r in found.rows:
        table.add_row(
            r.sku,
            r.channel or "all",
            r.demand_class,
            r.model,
            _fmt(r.mase),
            _fmt(r.baseline_mase),
            _fmt(r.bias, "{:+.0%}"),
            _verdict(r),
            style="bold red" if r.beats_baseline is False else None,
        )
    return table


@forecast.command("backtest")
@click.option("--channel", help="Series of this channel (default: each SKU over all channels).")
@click.option("--every-channel", is_flag=True, help="Every series: per SKU and per channel.")
@click.option("--sku", help="Only this SKU.")
def forecast_backtest(channel: str | None, every_channel: bool, sku: str | None) -> None:
    """Print each series' model and backtest accuracy against seasonal naive (MASE, bias),
    marking every series whose model does not beat the baseline."""
    settings = load_settings()
    migrate_embedded(settings)
    wanted = None if every_channel else (channel or "")
    found = run(settings, lambda db: accuracy(db, channel=wanted, sku=sku))
    if found.run is None:
        raise click.ClickException("no forecast run has finished yet: run `hub forecast run`")
    console.print(_table(found))
    tested = [r for r in found.rows if r.beats_baseline is not None]
    losing = [r for r in tested if not r.beats_baseline]
    click.echo(
        f"run {found.run.id}, history up to {found.run.history_end}: {len(found.rows)} series, "
        f"{len(tested) - len(losing)} beat seasonal naive, {len(losing)} do not, "
        f"{len(found.rows) - len(tested)} not backtested (MASE: lower is better; "
        "naive: seasonal naive's MASE on the same weeks)"
    )
    for r in losing:
        click.echo(f"{NOT_BEATEN}: {r.sku} ({r.channel or 'all channels'}), model {r.model}")


@forecast.command("report")
@click.option(
    "--out",
    default="forecast-report.html",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
)
@click.option("--location", help="The replenishment list of this location only.")
@click.option(
    "--skus",
    default=100,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Charts for this many SKUs, shortest cover first.",
)
def forecast_report(out: Path, location: str | None, skus: int) -> None:
    """Write a static HTML report: per SKU a chart of history, forecast and intervals, and
    the replenishment list (one file, no scripts, nothing fetched)."""
    settings = load_settings()
    migrate_embedded(settings)
    page = run(settings, lambda db: report_page(db, location=location, limit=skus))
    out.write_text(page, encoding="utf-8")
    click.echo(f"wrote {out} ({page.count('<section>')} SKUs charted)")
