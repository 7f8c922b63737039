"""Commands that need the whole hub: its files checked, and work run with the hub built
(connections, HTTP client, order writer).

Apart from ``_common`` so that the commands that only read the database do not load every
service (see the package docstring).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click
from sqlalchemy.exc import DBAPIError

from hub import config
from hub.bootstrap import Hub, load_connections
from hub.connections import ConnectionsError
from hub.domain.routing import RulesError
from hub.errors import HubError
from hub.services.routing.rules_source import RulesSource

T = TypeVar("T")


def run_hub(
    settings: config.Settings,
    work: Callable[[Hub], Awaitable[T]],
    *,
    require_secrets: bool = True,
) -> T:
    """Run ``work(hub)`` with the whole hub built (connections, HTTP client, writer)."""

    async def main() -> T:
        try:
            hub = Hub.build(settings, require_secrets=require_secrets)
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


def check_files(settings: config.Settings) -> None:
    """A bad connections or routing rules file stops the start, on one line."""
    try:
        load_connections(settings)
        RulesSource(settings.routing_path).get()
    except (ConnectionsError, RulesError) as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"HUB_ROUTING: {exc.filename}: {exc.strerror}") from None
