"""``hub jobs``: list the outbox and replay dead jobs."""

from __future__ import annotations

import click
from rich.table import Table

from hub.cli._common import console, load_settings, run
from hub.services import jobs as job_service


@click.group()
def jobs() -> None:
    """The outbox: durable jobs."""


@jobs.command("list")
@click.option(
    "--state",
    type=click.Choice(["pending", "retrying", "running", "done", "dead"]),
    help="retrying: failed at least once, waiting for its next attempt",
)
@click.option("--kind")
@click.option("--limit", default=100, show_default=True)
def jobs_list(state: str | None, kind: str | None, limit: int) -> None:
    """List jobs, oldest first, with their state and next attempt."""
    items = run(
        load_settings(),
        lambda db: job_service.list_jobs(db, state=state, kind=kind, after=None, limit=limit),
    )
    table = Table("id", "kind", "state", "attempts", "next attempt", "last error")
    for j in items:
        upcoming = j.next_attempt_at
        table.add_row(
            str(j.id),
            j.kind,
            j.shown_state,
            f"{j.attempts}/{j.max_attempts}",
            upcoming.isoformat(timespec="seconds") if upcoming else "",
            (j.last_error or "")[:80],
        )
    console.print(table)


@jobs.command("replay")
@click.argument("job_id", type=int)
def jobs_replay(job_id: int) -> None:
    """Run the dead job JOB_ID again."""
    job = run(load_settings(), lambda db: job_service.replay(db, job_id))
    click.echo(f"job {job.id} ({job.kind}) is pending again")
