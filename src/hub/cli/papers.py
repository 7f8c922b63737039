"""``hub pick-list``: the pick list of a location's open fulfilments, as a PDF file."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from hub.cli._common import load_settings, run
from hub.cli.db import migrate_embedded
from hub.services import papers
from hub.store.database import Database


@click.command("pick-list")
@click.argument("location")
@click.option(
    "--fulfilment", "fulfilments", multiple=True, metavar="ID", help="A fulfilment (repeatable)."
)
@click.option(
    "--released-before",
    metavar="TIME",
    help="Every open fulfilment released before this ISO time (UTC when it names no zone).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Where to write the PDF ('-': standard output). Default: pick-list-LOCATION.pdf",
)
def pick_list(
    location: str, fulfilments: tuple[str, ...], released_before: str | None, out: str | None
) -> None:
    """Print the pick list of LOCATION's open fulfilments to a PDF file.

    The fulfilments named with --fulfilment, or every open one released before
    --released-before, or (neither) every open one now. Each SKU once, with its total
    and the orders it goes to, in the order of its bins.
    """
    logging.getLogger("fontTools").setLevel(logging.WARNING)  # a line per font subset, at INFO
    before = _when(released_before) if released_before else None
    settings = load_settings()
    migrate_embedded(settings)

    async def work(db: Database) -> bytes:
        return await papers.pick_list_pdf(
            db, location, fulfilment_ids=fulfilments, released_before=before
        )

    content = run(settings, work)
    if out == "-":
        sys.stdout.buffer.write(content)
        return
    target = Path(out or f"pick-list-{location}.pdf")
    target.write_bytes(content)
    click.echo(f"{target} ({len(content)} bytes)")


def _when(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise click.ClickException(
            f"--released-before: {text!r} is not an ISO date or time (e.g. 2025-03-14T12:00)"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
