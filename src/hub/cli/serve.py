"""``hub serve``: the HTTP API, with a job worker in the same process unless --no-worker."""

from __future__ import annotations

import os
from typing import Any

import click
import uvicorn

from hub.api.app import create_app
from hub.cli._common import announce, load_settings
from hub.cli._hub import check_files
from hub.cli.db import migrate_embedded


@click.command()
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
    settings = load_settings(creates=True)
    check_files(settings)
    announce(settings)
    migrate_embedded(settings)
    options: dict[str, Any] = {"host": host, "port": port, "access_log": False}
    if processes == 1:
        uvicorn.run(create_app(settings, run_worker=not no_worker), **options)
        return
    # Each process builds its own app from the environment: the database resolved here.
    os.environ["HUB_RUN_WORKER"] = "0" if no_worker else "1"
    os.environ["HUB_DATABASE_URL"] = settings.database_url
    uvicorn.run("hub.api.app:app_from_env", factory=True, workers=processes, **options)
