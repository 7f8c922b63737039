"""``hub demo``: the hub on a fresh database with sandbox partners, orders flowing."""

from __future__ import annotations

import asyncio
import logging

import click

from hub.demo.run import DemoError, Pace, Stop, run_demo
from hub.demo.sandbox import CannotListen

_DEFAULT = Pace()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="The hub's port (0: any free one).",
)
@click.option(
    "--for",
    "seconds",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    metavar="SECONDS",
    help="Stop after this many seconds (default: at Ctrl-C).",
)
@click.option(
    "--until-delivered",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Stop once N orders are delivered.",
)
@click.option(
    "--order-every",
    type=click.FloatRange(min=0.1),
    default=_DEFAULT.order_every,
    show_default=True,
    metavar="SECONDS",
    help="The shop places an order.",
)
@click.option(
    "--ship-after",
    type=click.FloatRange(min=0.1),
    default=_DEFAULT.ship_after,
    show_default=True,
    metavar="SECONDS",
    help="The 3PL and the packer ship.",
)
@click.option(
    "--step-every",
    type=click.FloatRange(min=0.1),
    default=_DEFAULT.step_every,
    show_default=True,
    metavar="SECONDS",
    help="The carrier moves a parcel a step.",
)
def demo(
    host: str,
    port: int,
    seconds: float | None,
    until_delivered: int | None,
    order_every: float,
    ship_after: float,
    step_every: float,
) -> None:
    """Run the hub with a demo shop, 3PL and carrier; watch orders reach delivered.

    A fresh SQLite database in a temporary folder (removed at the end), a demo catalog, two
    locations (your own warehouse and a 3PL) and sandbox partners on 127.0.0.1, each spoken
    to by the real connector in its real wire format. Prints the console URL and an admin
    key, then each step of each order. Ctrl-C stops it.
    """
    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        logging.getLogger("httpx").setLevel(logging.WARNING)  # every partner call, else
    pace = Pace(order_every=order_every, ship_after=ship_after, step_every=step_every)
    stop = Stop(seconds=seconds, delivered=until_delivered)
    try:
        summary = asyncio.run(run_demo(host=host, port=port, pace=pace, stop=stop))
    except CannotListen as exc:
        raise click.ClickException(f"{exc} (choose another with --port)") from None
    except DemoError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"orders placed: {summary.placed}, delivered: {summary.delivered}, "
        f"stock pushes taken by the shop: {summary.stock_pushes}"
    )
