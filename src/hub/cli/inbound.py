"""``hub inbound``: list partner messages, show one with its quarantine reasons, and map
quarantined ones again.

A replay maps the stored bytes, whose signature was checked when they arrived: it needs
the connections file (``HUB_CONFIG``) and the mappings, not the webhook secrets. A message
whose connection is not configured in this shell, or whose connector must call the partner
with a secret this shell lacks, is reported and left as it was.
"""

from __future__ import annotations

import sys

import click
import msgspec

from hub.bootstrap import Hub
from hub.cli._columns import echo_json, json_option, render, when
from hub.cli._common import load_settings, run
from hub.cli._hub import run_hub
from hub.errors import HubError
from hub.sdk.errors import ConnectorError
from hub.services.intake import messages as inbound_service
from hub.store.database import Database
from hub.store.inbound import InboundMessage, QuarantineReason

REPLAY_ACTOR = "cli"


@click.group()
def inbound() -> None:
    """Partner messages: what came in, and what is quarantined."""


@inbound.command("list")
@click.option("--status", type=click.Choice(["received", "processed", "quarantined"]))
@click.option("--connection")
@click.option("--limit", default=100, show_default=True)
@json_option
def inbound_list(status: str | None, connection: str | None, limit: int, as_json: bool) -> None:
    """List inbound messages, oldest first, each quarantine reason under its message."""
    items = run(
        load_settings(),
        lambda db: inbound_service.list_messages(
            db, status=status, connection=connection, after=None, limit=limit
        ),
    )
    if as_json:
        echo_json(items)
        return
    rows = [[m.id, m.connection, m.topic or "", m.status, when(m.received_at)] for m in items]
    headers = ["ID", "CONNECTION", "TOPIC", "STATUS", "RECEIVED (UTC)"]
    notes = [m.reason for m in items]
    click.echo(render(headers, rows, shrink=(1, 2), notes=notes))


class Shown(msgspec.Struct, kw_only=True):
    """``hub inbound show --json``: the message, its reasons, its payload as text."""

    message: InboundMessage
    reasons: list[QuarantineReason]
    body: str


@inbound.command("show")
@click.argument("message_id")
@json_option
def inbound_show(message_id: str, as_json: bool) -> None:
    """One message: what it is, every reason it was quarantined for, and its payload."""

    async def work(db: Database) -> Shown:
        message, body = await inbound_service.get_message(db, message_id)
        reasons = await inbound_service.reasons(db, message_id)
        return Shown(message=message, reasons=reasons, body=body.decode("utf-8", "replace"))

    shown = run(load_settings(), work)
    if as_json:
        echo_json(shown)
        return
    m = shown.message
    for label, value in (
        ("id", m.id),
        ("connection", m.connection),
        ("source", f"{m.source} (dedupe key {m.dedupe_key})"),
        ("topic", m.topic or ""),
        ("status", m.status),
        ("received", f"{when(m.received_at)} UTC"),
        ("orders", " ".join(m.order_ids)),
    ):
        click.echo(f"{label + ':':12}{value}".rstrip())
    click.echo(f"reasons:    {len(shown.reasons) or 'none'}")
    for r in shown.reasons:
        click.echo(f"  {when(r.at)} UTC  {r.actor}\n    {r.reason}")
    click.echo(f"body:\n{shown.body}")


@inbound.command("replay")
@click.argument("message_ids", nargs=-1)
@click.option("--all-quarantined", is_flag=True, help="Replay every quarantined message.")
def inbound_replay(message_ids: tuple[str, ...], all_quarantined: bool) -> None:
    """Map quarantined messages again, with the mappings and catalog as they are now.

    The stored payload is mapped (its signature was checked when it arrived), so the
    webhook secrets need not be set here; HUB_CONFIG must name the connections file. Exits
    with status 1 while a message is still quarantined or could not be replayed here.
    """
    if not message_ids and not all_quarantined:
        raise click.UsageError("name message ids, or pass --all-quarantined")
    settings = load_settings(writes=True)

    async def work(hub: Hub) -> list[tuple[str, str]]:
        ids = list(message_ids)
        if all_quarantined:
            found = await inbound_service.list_messages(
                hub.db, status="quarantined", connection=None, after=None, limit=100_000
            )
            ids += [m.id for m in found]
        return [(i, await _replay_one(hub, i)) for i in ids]

    results = run_hub(settings, work, require_secrets=False)
    for message_id, status in results:
        click.echo(f"{message_id} {status}")
    if any(status != "processed" for _, status in results):
        sys.exit(1)


async def _replay_one(hub: Hub, message_id: str) -> str:
    """``processed``, ``quarantined``, or ``not replayed: <why>`` (the message untouched)."""
    try:
        return await inbound_service.replay(hub.job_context(), message_id, actor=REPLAY_ACTOR)
    except HubError as exc:
        return f"not replayed: {exc.detail}"
    except ConnectorError as exc:
        message, _ = await inbound_service.get_message(hub.db, message_id)
        unset = hub.connections.unset.get(message.connection)
        hint = f" (not set in this shell: {', '.join(unset)})" if unset else ""
        return f"not replayed: {exc}{hint}"
