"""``hub route simulate``: try a routing rules file on past orders before using it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from rich.progress import Progress

from hub.cli._common import console, load_settings, run
from hub.cli.db import migrate_embedded
from hub.domain.routing import RulesError
from hub.services.routing.rules_source import load_rules_file
from hub.services.routing.simulate import SimulationReport, format_report, simulate
from hub.store.database import Database


@click.group()
def route() -> None:
    """Routing rules: try a rules file on past orders before using it."""


@route.command("simulate")
@click.argument("rules", type=click.Path(dir_okay=False))
@click.option("--since", required=True, help="Orders placed from this date or time (ISO).")
@click.option("--until", default=None, help="... and before this one (default: now).")
def route_simulate(rules: str, since: str, until: str | None) -> None:
    """Replay past orders through RULES against today's stock; change nothing."""
    try:
        ruleset = load_rules_file(Path(rules))
    except RulesError as exc:
        raise click.ClickException(str(exc)) from None
    start, end = _when("--since", since), _when("--until", until) if until else None
    settings = load_settings()
    migrate_embedded(settings)

    async def work(db: Database) -> SimulationReport:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("routing", total=None)
            return await simulate(
                db, ruleset, since=start, until=end, progress=lambda n: progress.advance(task, n)
            )

    click.echo(format_report(run(settings, work)))


def _when(option: str, text: str) -> datetime:
    """An ISO date or time from the command line, UTC when it names no zone."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise click.ClickException(
            f"{option}: {text!r} is not an ISO date or time (e.g. 2025-03-01)"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
