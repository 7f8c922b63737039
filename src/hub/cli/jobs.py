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
@click.option("--state", type=click.Choice(["pending", "running", "done", "dead"]))
@click.option("--kind")
@click.option("--limit", default=100, show_default=True)
def jobs_list(state: str | None, kind: str | None, limit: int) -> None:
    """List jobs, oldest first."""
    items = run(
        load_settings(),
        lambda db: job_service.list_jobs(db, state=state, kind=kind, after=None, limit=limit),
    )
    table = Table("id", "kind", "state", "attempts", "run at", "last error")
    for j in items:
        table.add_row(
            str(j.id),
            j.kind,
            j.state,
            f"{j.attempts}/{j.max_attempts}",
            j.run_at.isoformat(timespec="seconds"),
            (j.last_error or "")[:80],
        )
    console.print(table)


@jobs.command("replay")
@click.argument("job_id", type=int)
def jobs_replay(job_id: int) -> None:
    """Run the dead job JOB_ID again."""
    job = run(load_settings(), lambda db: job_service.replay(db, job_id))
    click.echo(f"job {job.id} ({job.kind}) is pending again")
