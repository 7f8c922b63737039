"""The ``hub`` command: serve the API, run workers, migrate, and manage keys, jobs and data.

Each command group lives in its own module here (``serve.py``, ``keys.py`` ...), with its
imports at the top. ``main`` imports a command's module only when that command runs, so a
command pays only for what it uses: ``hub --help`` or ``hub mappings check`` never load the
database layer, and ``hub jobs list`` never loads the API or the worker. Measured in CPU time
per start: every command module's imports together cost about 0.9 s, ``hub jobs list`` 0.5 s,
``hub --help`` 0.04 s. So ``COMMANDS`` holds each command's one-line summary for ``hub --help``,
and ``tests/unit/test_cli_commands.py`` checks it against the command's own help.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterator, MutableMapping
from typing import Any, NamedTuple

import click


class Entry(NamedTuple):
    module: str  # under hub.cli
    attribute: str
    summary: str  # the first paragraph of the command's help


COMMANDS: dict[str, Entry] = {
    "catalog": Entry(
        "catalog", "catalog", "The catalog: SKUs, their listings per connection, and their aliases."
    ),
    "db": Entry("db", "db", "Database schema."),
    "demo": Entry(
        "demo",
        "demo",
        "Run the hub with a demo shop, 3PL and carrier; watch orders reach delivered.",
    ),
    "documents": Entry(
        "documents",
        "documents",
        "Invoices, receipts and credit notes: export them for the bookkeeper.",
    ),
    "forecast": Entry(
        "forecast",
        "forecast",
        "Sales forecasts per SKU and SKU x channel: run them, check them, show them.",
    ),
    "history": Entry(
        "history",
        "history",
        "Demand history: past sales imported, and the daily units counted from the orders.",
    ),
    "import": Entry(
        "orders",
        "import_command",
        "Import orders from a CSV file, one row per order line.",
    ),
    "inbound": Entry(
        "inbound", "inbound", "Partner messages: what came in, and what is quarantined."
    ),
    "jobs": Entry("jobs", "jobs", "The outbox: durable jobs."),
    "keys": Entry("keys", "keys", "API keys."),
    "mail": Entry("mail", "mail", "Buyer mails: what was sent, kept (no SMTP) or failed."),
    "mappings": Entry(
        "mappings", "mappings", "Mapping files: partner documents to canonical orders."
    ),
    "normalize": Entry(
        "mappings",
        "normalize",
        "Print the canonical orders a partner's documents give, as a JSON array.",
    ),
    "pick-list": Entry(
        "papers", "pick_list", "Print the pick list of LOCATION's open fulfilments to a PDF file."
    ),
    "notifications": Entry(
        "mail", "notifications", "Buyer notifications: preview a mail before any goes out."
    ),
    "poll": Entry(
        "orders",
        "poll_command",
        "Poll CONNECTION for orders now; the worker maps what was fetched.",
    ),
    "replenishment": Entry(
        "replenishment",
        "replenishment_group",
        "Reorder suggestions per SKU and location, and their inputs.",
    ),
    "route": Entry(
        "route", "route", "Routing rules: try a rules file on past orders before using it."
    ),
    "serve": Entry(
        "serve", "serve", "Serve the HTTP API, with an in-process job worker unless --no-worker."
    ),
    "stock": Entry("stock", "stock", "Stock levels per SKU and location."),
    "subscriptions": Entry(
        "subscriptions",
        "subscriptions",
        "Outbound webhooks: subscriptions and their deliveries.",
    ),
    "worker": Entry("worker", "worker", "Run a job worker on its own until SIGTERM or SIGINT."),
}


class LazyCommands(MutableMapping[str, click.Command]):
    """``main.commands``: every command of ``COMMANDS`` by name, imported when first looked up.
    Asking which names there are (``in``, iteration) imports nothing."""

    def __init__(self) -> None:
        self._loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            entry = COMMANDS[name]
            module = importlib.import_module(f"{__name__}.{entry.module}")
            self._loaded[name] = getattr(module, entry.attribute)
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        raise TypeError("the hub's commands are fixed")

    def __contains__(self, name: object) -> bool:
        return name in COMMANDS or name in self._loaded

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(COMMANDS.keys() | self._loaded.keys()))

    def __len__(self) -> int:
        return len(COMMANDS.keys() | self._loaded.keys())


class LazyGroup(click.Group):
    """A group whose commands are imported when first asked for (see ``LazyCommands``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = LazyCommands()

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``hub --help``, from the summaries, importing no command."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(name, self._listed(name).get_short_help_str(limit)) for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def _listed(self, name: str) -> click.Command:
        entry = COMMANDS.get(name)
        return self.commands[name] if entry is None else click.Command(name, help=entry.summary)


START_HERE = """\
hub: one canonical order from every channel. Start here:

  hub demo                    watch it work: a demo shop, 3PL and carrier, and
                              orders to delivered (Ctrl-C stops it)
  hub serve                   serve the API on http://127.0.0.1:8000 with a job
                              worker (it creates the database if there is none)
  hub keys create --name me --scope admin
                              an API key for curl (printed once)
  README.md#a-quick-tour      the quick tour: stock, an order and its journey,
                              a parcel shipped, an order on hold

The database ({source}):
  {database}
  (`hub --database PATH ...` or HUB_DATABASE_URL names another one)

`hub --help` lists every command."""


@click.group(cls=LazyGroup, invoke_without_command=True)
@click.option("-v", "--verbose", is_flag=True, help="Log debug detail.")
@click.option(
    "--database",
    metavar="URL|PATH",
    help="The database (overrides HUB_DATABASE_URL; default: hub.db in the current folder).",
)
@click.pass_context
def main(ctx: click.Context, verbose: bool, database: str | None) -> None:
    """The hub: one canonical order from every channel."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.DEBUG if verbose else logging.WARNING)
    if ctx.invoked_subcommand is None:
        click.echo(_start_here())


def _start_here() -> str:
    """What ``hub`` alone prints: the first commands, and the database they would use."""
    from hub.cli import _database
    from hub.config import ConfigError

    try:
        url, source = _database.chosen()
    except ConfigError as exc:
        return START_HERE.format(database=str(exc), source="to fix first")
    if _database.missing_file(url):
        source = f"{source}; not created yet"
    return START_HERE.format(database=_database.shown(url), source=source)
