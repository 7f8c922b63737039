"""``hub jobs``: list the outbox and replay dead jobs."""

from __future__ import annotations

import click

from hub.cli._columns import echo_json, json_option, render, when
from hub.cli._common import load_settings, run
from hub.services import jobs as job_service


@click.group()
def jobs() -> None:
    """The outbox: durable jobs."""


@jobs.command("list")
@click.option("--state", type=click.Choice(["pending", "running", "done", "dead"]))
@click.option("--kind")
@click.option("--limit", default=100, show_default=True)
@json_option
def jobs_list(state: str | None, kind: str | None, limit: int, as_json: bool) -> None:
    """List jobs, oldest first, each last error under its job."""
    items = run(
        load_settings(),
        lambda db: job_service.list_jobs(db, state=state, kind=kind, after=None, limit=limit),
    )
    if as_json:
        echo_json(items)
        return
    rows = [
        [str(j.id), j.kind, j.state, f"{j.attempts}/{j.max_attempts}", when(j.run_at)]
        for j in items
    ]
    headers = ["ID", "KIND", "STATE", "ATTEMPTS", "RUN AT (UTC)"]
    click.echo(render(headers, rows, shrink=(1,), notes=[j.last_error for j in items]))


@jobs.command("replay")
@click.argument("job_id", type=int)
def jobs_replay(job_id: int) -> None:
    """Run the dead job JOB_ID again."""
    job = run(load_settings(writes=True), lambda db: job_service.replay(db, job_id))
    click.echo(f"job {job.id} ({job.kind}) is pending again")
