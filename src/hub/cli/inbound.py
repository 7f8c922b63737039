"""``hub inbound``: list partner messages, and map quarantined ones again."""

from __future__ import annotations

import sys

import click
from rich.table import Table

from hub.bootstrap import Hub
from hub.cli._common import console, load_settings, run
from hub.cli._hub import run_hub
from hub.services.intake import messages as inbound_service


@click.group()
def inbound() -> None:
    """Partner messages: what came in, and what is quarantined."""


@inbound.command("list")
@click.option("--status", type=click.Choice(["received", "processed", "quarantined"]))
@click.option("--connection")
@click.option("--limit", default=100, show_default=True)
def inbound_list(status: str | None, connection: str | None, limit: int) -> None:
    """List inbound messages, oldest first."""
    items = run(
        load_settings(),
        lambda db: inbound_service.list_messages(
            db, status=status, connection=connection, after=None, limit=limit
        ),
    )
    table = Table("id", "connection", "topic", "status", "received", "reason")
    for m in items:
        table.add_row(
            m.id, m.connection, m.topic or "", m.status,
            m.received_at.isoformat(timespec="seconds"), (m.reason or "")[:100],
        )  # fmt: skip
    console.print(table)


@inbound.command("replay")
@click.argument("message_ids", nargs=-1)
@click.option("--all-quarantined", is_flag=True, help="Replay every quarantined message.")
def inbound_replay(message_ids: tuple[str, ...], all_quarantined: bool) -> None:
    """Map quarantined messages again, with the mappings and catalog as they are now."""
    if not message_ids and not all_quarantined:
        raise click.UsageError("name message ids, or pass --all-quarantined")
    settings = load_settings()

    async def work(hub: Hub) -> list[tuple[str, str]]:
        ids = list(message_ids)
        if all_quarantined:
            found = await inbound_service.list_messages(
                hub.db, status="quarantined", connection=None, after=None, limit=100_000
            )
            ids += [m.id for m in found]
        ctx = hub.job_context()
        return [(i, await inbound_service.replay(ctx, i)) for i in ids]

    results = run_hub(settings, work)
    for message_id, status in results:
        click.echo(f"{message_id} {status}")
    if any(status == "quarantined" for _, status in results):
        sys.exit(1)
