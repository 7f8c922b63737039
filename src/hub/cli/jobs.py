"""``hub jobs``: list the outbox and replay dead jobs."""

from __future__ import annotations

import click
import msgspec

from hub.cli._columns import echo_json, json_option, render, when
from hub.cli._common import load_settings, run
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
@json_option
def jobs_list(state: str | None, kind: str | None, limit: int, as_json: bool) -> None:
    """List jobs, oldest first, with their state and next attempt; each last error under it."""
    items = run(
        load_settings(),
        lambda db: job_service.list_jobs(db, state=state, kind=kind, after=None, limit=limit),
    )
    if as_json:  # the API's fields: the shown state and the next attempt
        echo_json(
            [
                msgspec.structs.asdict(j)
                | {"state": j.shown_state, "next_attempt_at": j.next_attempt_at}
                for j in items
            ]
        )
        return
    rows = [
        [
            str(j.id),
            j.kind,
            j.shown_state,
            f"{j.attempts}/{j.max_attempts}",
            when(j.next_attempt_at) if j.next_attempt_at else "",
        ]
        for j in items
    ]
    headers = ["ID", "KIND", "STATE", "ATTEMPTS", "NEXT ATTEMPT (UTC)"]
    click.echo(render(headers, rows, shrink=(1,), notes=[j.last_error for j in items]))


@jobs.command("replay")
@click.argument("job_id", type=int)
def jobs_replay(job_id: int) -> None:
    """Run the dead job JOB_ID again."""
    job = run(load_settings(writes=True), lambda db: job_service.replay(db, job_id))
    click.echo(f"job {job.id} ({job.kind}) is pending again")
