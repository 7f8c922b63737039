"""``hub worker``: a job worker in its own process (beside ``hub serve --no-worker``)."""

from __future__ import annotations

import asyncio
import signal

import click

from hub.bootstrap import Hub
from hub.cli._common import announce, load_settings
from hub.cli._hub import check_files, run_hub
from hub.cli.db import migrate_embedded


@click.command()
def worker() -> None:
    """Run a job worker on its own until SIGTERM or SIGINT."""
    settings = load_settings(creates=True)
    check_files(settings)
    announce(settings)
    migrate_embedded(settings)

    async def work(hub: Hub) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        job_worker = hub.worker()
        click.echo(f"worker {job_worker.name} started", err=True)
        await job_worker.run(stop)

    run_hub(settings, work)
