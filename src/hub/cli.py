"""The ``hub`` command: serve the API, run workers, migrate, and manage keys and jobs."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import DBAPIError

from hub import config
from hub.errors import HubError

T = TypeVar("T")
console = Console()


def _settings() -> config.Settings:
    try:
        return config.load()
    except config.ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _run(settings: config.Settings, work: Callable[[Any], Awaitable[T]]) -> T:
    """Run ``work(db)`` against the configured database and report errors on one line."""
    from hub.store.database import Database

    async def main() -> T:
        db = Database(settings.database_url)
        try:
            return await work(db)
        finally:
            await db.dispose()

    try:
        return asyncio.run(main())
    except HubError as exc:
        raise click.ClickException(exc.detail) from None
    except OSError as exc:
        raise click.ClickException(f"cannot reach the database: {exc}") from None
    except DBAPIError as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0]
        hint = ""
        if "no such table" in reason or ("relation" in reason and "does not exist" in reason):
            hint = "; is the schema there? run `hub db upgrade`"
        raise click.ClickException(f"database error: {reason}{hint}") from None


def _run_hub(settings: config.Settings, work: Callable[[Any], Awaitable[T]]) -> T:
    """Run ``work(hub)`` with the whole hub built (connections, HTTP client, writer)."""
    from hub.bootstrap import Hub
    from hub.connections import ConnectionsError

    async def main() -> T:
        try:
            hub = Hub.build(settings)
        except ConnectionsError as exc:
            raise click.ClickException(str(exc)) from None
        await hub.start()
        try:
            return await work(hub)
        finally:
            await hub.close()

    try:
        return asyncio.run(main())
    except HubError as exc:
        raise click.ClickException(exc.detail) from None
    except DBAPIError as exc:
        raise click.ClickException(
            f"database error: {str(exc.orig or exc).splitlines()[0]}"
        ) from None


def _check_files(settings: config.Settings) -> None:
    """A bad connections or routing rules file stops the start, on one line."""
    from hub.bootstrap import load_connections
    from hub.connections import ConnectionsError
    from hub.domain.routing import RulesError
    from hub.services.routing.rules_source import RulesSource

    try:
        load_connections(settings)
        RulesSource(settings.routing_path).get()
    except (ConnectionsError, RulesError) as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"HUB_ROUTING: {exc.filename}: {exc.strerror}") from None


def _migrate_embedded(settings: config.Settings) -> None:
    if settings.is_sqlite:
        from hub.store.migrate import upgrade

        upgrade(settings.database_url)


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log debug detail.")
def main(verbose: bool) -> None:
    """The hub: one canonical order from every channel."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.DEBUG if verbose else logging.WARNING)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--no-worker", is_flag=True, help="Serve the API only (run `hub worker` elsewhere).")
@click.option(
    "--processes",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="API processes sharing the port (each with its own worker unless --no-worker).",
)
def serve(host: str, port: int, no_worker: bool, processes: int) -> None:
    """Serve the HTTP API, with an in-process job worker unless --no-worker."""
    import os

    import uvicorn

    settings = _settings()
    _check_files(settings)
    _migrate_embedded(settings)
    options: dict[str, Any] = {"host": host, "port": port, "access_log": False}
    if processes == 1:
        from hub.api.app import create_app

        uvicorn.run(create_app(settings, run_worker=not no_worker), **options)
        return
    # Each process builds its own app from the environment.
    os.environ["HUB_RUN_WORKER"] = "0" if no_worker else "1"
    uvicorn.run("hub.api.app:app_from_env", factory=True, workers=processes, **options)


@main.command()
def worker() -> None:
    """Run a job worker on its own until SIGTERM or SIGINT."""
    from hub.worker import Worker

    settings = _settings()
    _check_files(settings)
    _migrate_embedded(settings)

    async def work(hub: Any) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        w = Worker(hub.db, hub.registry, settings, context=hub.job_context())
        click.echo(f"worker {w.name} started", err=True)
        await w.run(stop)

    _run_hub(settings, work)


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""
    from hub.store.migrate import upgrade

    settings = _settings()
    try:
        upgrade(settings.database_url, revision)
    except Exception as exc:
        raise click.ClickException(f"migration failed: {type(exc).__name__}: {exc}") from None
    click.echo(f"database at {revision}")


@main.group()
def keys() -> None:
    """API keys."""


@keys.command("create")
@click.option("--name", required=True, help="A unique name, e.g. callcentre-ui.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    help="admin, orders:read, orders:write or channel:<code>; repeat for several.",
)
def keys_create(name: str, scopes: tuple[str, ...]) -> None:
    """Create a key and print it once (only its hash is stored)."""
    from hub.services import keys as key_service

    settings = _settings()
    _migrate_embedded(settings)
    _, plain = _run(settings, lambda db: key_service.create(db, name, scopes))
    click.echo(plain)


@keys.command("list")
def keys_list() -> None:
    """List keys (never the keys themselves)."""
    from hub.services import keys as key_service

    settings = _settings()
    table = Table("name", "prefix", "scopes", "created", "revoked")
    for k in _run(settings, key_service.list_keys):
        table.add_row(
            k.name, k.prefix, " ".join(k.scopes), k.created_at, "yes" if k.revoked else ""
        )
    console.print(table)


@keys.command("revoke")
@click.argument("name")
def keys_revoke(name: str) -> None:
    """Revoke the key called NAME."""
    from hub.services import keys as key_service

    _run(_settings(), lambda db: key_service.revoke(db, name))
    click.echo(f"revoked {name}")


@main.group()
def jobs() -> None:
    """The outbox: durable jobs."""


@jobs.command("list")
@click.option("--state", type=click.Choice(["pending", "running", "done", "dead"]))
@click.option("--kind")
@click.option("--limit", default=100, show_default=True)
def jobs_list(state: str | None, kind: str | None, limit: int) -> None:
    """List jobs, oldest first."""
    from hub.services import jobs as job_service

    items = _run(
        _settings(),
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
    from hub.services import jobs as job_service

    job = _run(_settings(), lambda db: job_service.replay(db, job_id))
    click.echo(f"job {job.id} ({job.kind}) is pending again")


@main.group()
def stock() -> None:
    """Stock levels per SKU and location."""


@stock.command("show")
@click.argument("sku")
def stock_show(sku: str) -> None:
    """On hand, reserved and available of SKU at each location."""
    from hub.services import stock as stock_service

    view = _run(_settings(), lambda db: stock_service.get_stock(db, sku))
    table = Table("location", "on hand", "reserved", "available", title=sku)
    for row in view.locations:
        table.add_row(row.location, str(row.on_hand), str(row.reserved), str(row.available))
    table.add_row("all", str(view.on_hand), str(view.reserved), str(view.available))
    console.print(table)


@stock.command("resync")
@click.option("--channel", "channels", multiple=True, help="Only this connection (repeatable).")
def stock_resync(channels: tuple[str, ...]) -> None:
    """Push every SKU's figure to every stock-pushing channel (or --channel), now."""
    from rich.progress import Progress

    from hub.services import stock_sync

    settings = _settings()
    _migrate_embedded(settings)

    async def work(hub: Any) -> list[stock_sync.PushSummary]:
        ctx = hub.job_context()
        with Progress(console=console, transient=True) as progress:
            tasks: dict[str, Any] = {}

            def step(code: str, done: int, total: int) -> None:
                if code not in tasks:
                    tasks[code] = progress.add_task(code, total=total)
                progress.update(tasks[code], completed=done, total=total)

            try:
                return await stock_sync.resync(ctx, list(channels) or None, progress=step)
            except ValueError as exc:
                raise click.ClickException(str(exc)) from None

    summaries = _run_hub(settings, work)
    if not summaries:
        raise click.ClickException("no connection pushes stock (see stock_push in HUB_CONFIG)")
    table = Table("channel", "calls", "pushed", "unchanged", "rejected", "error")
    for s in summaries:
        row = (s.calls, s.pushed, s.unchanged, s.rejected)
        table.add_row(s.connection, *map(str, row), s.error or "")
    console.print(table)
    if any(s.rejected or s.error for s in summaries):
        click.echo("what was not pushed stays pending for the worker", err=True)
        sys.exit(1)


@main.group()
def route() -> None:
    """Routing rules: try a rules file on past orders before using it."""


@route.command("simulate")
@click.argument("rules", type=click.Path(dir_okay=False))
@click.option("--since", required=True, help="Orders placed from this date or time (ISO).")
@click.option("--until", default=None, help="... and before this one (default: now).")
def route_simulate(rules: str, since: str, until: str | None) -> None:
    """Replay past orders through RULES against today's stock; change nothing."""
    from rich.progress import Progress

    from hub.domain.routing import RulesError
    from hub.services.routing.rules_source import load_rules_file
    from hub.services.routing.simulate import format_report, simulate

    try:
        ruleset = load_rules_file(Path(rules))
    except RulesError as exc:
        raise click.ClickException(str(exc)) from None
    start, end = _when("--since", since), _when("--until", until) if until else None
    settings = _settings()
    _migrate_embedded(settings)

    async def work(db: Any) -> Any:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("routing", total=None)
            return await simulate(
                db, ruleset, since=start, until=end, progress=lambda n: progress.advance(task, n)
            )

    click.echo(format_report(_run(settings, work)))


def _when(option: str, text: str) -> Any:
    from datetime import UTC, datetime

    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise click.ClickException(
            f"{option}: {text!r} is not an ISO date or time (e.g. 2025-03-01)"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@main.group()
def inbound() -> None:
    """Partner messages: what came in, and what is quarantined."""


@inbound.command("list")
@click.option("--status", type=click.Choice(["received", "processed", "quarantined"]))
@click.option("--connection")
@click.option("--limit", default=100, show_default=True)
def inbound_list(status: str | None, connection: str | None, limit: int) -> None:
    """List inbound messages, oldest first."""
    from hub.services.intake import messages as inbound_service

    items = _run(
        _settings(),
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
    from hub.services.intake import messages as inbound_service

    if not message_ids and not all_quarantined:
        raise click.UsageError("name message ids, or pass --all-quarantined")
    settings = _settings()

    async def work(hub: Any) -> list[tuple[str, str]]:
        ids = list(message_ids)
        if all_quarantined:
            found = await inbound_service.list_messages(
                hub.db, status="quarantined", connection=None, after=None, limit=100_000
            )
            ids += [m.id for m in found]
        ctx = hub.job_context()
        return [(i, await inbound_service.replay(ctx, i)) for i in ids]

    results = _run_hub(settings, work)
    for message_id, status in results:
        click.echo(f"{message_id} {status}")
    if any(status == "quarantined" for _, status in results):
        sys.exit(1)


@main.group()
def mappings() -> None:
    """Mapping files: partner documents to canonical orders."""


@mappings.command("check")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder to check (default: HUB_MAPPINGS_DIR or the hub's own mappings/).",
)
def mappings_check(directory: Path | None) -> None:
    """Load and compile every mapping; print each name, or one line per error."""
    from hub.mapping import mappings_dir, scan_dir

    try:
        path = directory or mappings_dir()
        loaded, errors = scan_dir(path)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from None
    for mapping in loaded:
        click.echo(f"{mapping.name} OK")
    for error in errors:
        click.echo(str(error), err=True)
    if errors:
        sys.exit(1)
    if not loaded:
        raise click.ClickException(f"no mapping files (*.yaml, *.yml) in {path}")


@main.command()
@click.argument("connector_name", metavar="CONNECTOR")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--channel", help="The connection code the orders belong to (default: CONNECTOR).")
@click.option("--mapping", "mapping_name", help="The mapping to use (generic connectors).")
def normalize(
    connector_name: str, files: tuple[Path, ...], channel: str | None, mapping_name: str | None
) -> None:
    """Print the canonical orders a partner's documents give, as a JSON array."""
    import msgspec

    from hub.mapping import MappingError
    from hub.plugins import ConnectorLoadError, discover
    from hub.sdk import ConnectorError

    try:
        found = discover()
    except ConnectorLoadError as exc:
        raise click.ClickException(str(exc)) from None
    connector = found.get(connector_name)
    if connector is None:
        known = ", ".join(sorted(found)) or "none"
        raise click.ClickException(f"unknown connector {connector_name!r} (installed: {known})")
    documents = [f.read_bytes() for f in files]
    settings = {"mapping": mapping_name} if mapping_name else {}
    try:
        orders = connector.normalize(
            documents, channel=channel or connector_name, settings=settings
        )
    except (MappingError, ConnectorError) as exc:
        raise click.ClickException(str(exc)) from None
    for o in orders:
        if o.state != "open":
            click.echo(f"{o.order.external_id}: the channel says {o.state}", err=True)
    body = msgspec.json.encode([o.order for o in orders])
    click.echo(msgspec.json.format(body, indent=2).decode())


@main.command("poll")
@click.argument("connection")
def poll_command(connection: str) -> None:
    """Poll CONNECTION for orders now; the worker maps what was fetched."""
    from hub.services.intake import polling

    summary = _run_hub(_settings(), lambda hub: polling.poll(hub.job_context(), connection))
    click.echo(
        f"{connection}: {summary.pages} page(s), {summary.new} new, {summary.seen} seen before"
    )


@main.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--channel", default="callcentre", show_default=True)
@click.option("--report", type=click.Path(dir_okay=False), help="Write failures as CSV here.")
def import_command(path: str, channel: str, report: str | None) -> None:
    """Import orders from a CSV file (one row per line; see `hub import --help` columns)."""
    import csv as csv_module

    from rich.progress import Progress

    from hub.services.csv_import import CsvFormatError, read_orders
    from hub.services.intake.writer import IngestRequest

    settings = _settings()
    _migrate_embedded(settings)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        text = handle.read()
    try:
        parsed = list(read_orders(text, channel=channel))
    except CsvFormatError as exc:
        raise click.ClickException(f"{path}: {exc}") from None

    async def work(hub: Any) -> tuple[int, int, list[tuple[str, str]]]:
        created = existing = 0
        failures: list[tuple[str, str]] = [(o.external_id, e) for o in parsed for e in o.errors]
        good = [o for o in parsed if o.order is not None]
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("importing", total=len(parsed))
            progress.advance(task, len(parsed) - len(good))
            for item in good:
                try:
                    result = await hub.writer.submit(
                        IngestRequest(data=item.order, actor=f"import:{Path(path).name}")
                    )
                except HubError as exc:
                    failures.append((item.external_id, f"line {item.rows[0]}: {exc.detail}"))
                else:
                    created += result.created
                    existing += not result.created
                progress.advance(task)
        return created, existing, failures

    created, existing, failures = _run_hub(settings, work)
    for external_id, reason in failures:
        click.echo(f"failed {external_id}: {reason}", err=True)
    if report:
        with open(report, "w", newline="", encoding="utf-8") as handle:
            writer = csv_module.writer(handle)
            writer.writerow(["external_id", "reason"])
            writer.writerows(failures)
    failed_orders = len({external_id for external_id, _ in failures})
    click.echo(f"{created} created, {existing} already there, {failed_orders} failed")
    if failures:
        sys.exit(1)


@main.group()
def catalog() -> None:
    """The catalog: SKUs, their listings per connection, and their aliases."""


@catalog.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 1000))
def catalog_import(path: str, batch_size: int) -> None:
    """Create or replace SKUs from a CSV file: sku, name, attributes, aliases, listing:<code>."""
    from rich.progress import Progress

    from hub.services.catalog_csv import CsvFormatError, import_skus, read_skus

    settings = _settings()
    _migrate_embedded(settings)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        text = handle.read()
    try:
        rows = read_skus(text)
    except CsvFormatError as exc:
        raise click.ClickException(f"{path}: {exc}") from None

    async def work(db: Any) -> tuple[int, list[tuple[int, str]]]:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("importing SKUs", total=len(rows))
            return await import_skus(
                db, rows, batch_size=batch_size, progress=lambda n: progress.advance(task, n)
            )

    stored, failures = _run(settings, work)
    for line, reason in failures:
        click.echo(f"failed line {line}: {reason}", err=True)
    click.echo(f"{stored} stored, {len(failures)} failed")
    if failures:
        sys.exit(1)


if __name__ == "__main__":
    sys.exit(main())
