"""The composition root: builds the hub's parts from settings. Nothing here runs at import."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import Connection

from hub import connections as connections_config
from hub import plugins
from hub.clock import utcnow
from hub.config import Settings
from hub.connections import Connections
from hub.services import fulfilment, inbound, ingest, polling, stock_sync
from hub.services.jobs import JobContext, JobRegistry, load_plugins
from hub.services.keys import KeyRing
from hub.services.orders import accept_handler
from hub.services.stock import Policy
from hub.store.database import Database


def stock_policy(connections: Connections | None) -> Callable[[str], Policy]:
    """A channel's policy for an order it cannot reserve: its connection's ``stock_policy``
    setting, ``hold`` (the default) or ``backorder``."""

    def policy(channel: str) -> Policy:
        return connections.hub_settings(channel).stock_policy if connections else "hold"

    return policy


def build_registry(settings: Settings, connections: Connections | None = None) -> JobRegistry:
    registry = JobRegistry()
    rules = fulfilment.Rules(settings.routing_path)

    def router(conn: Connection, order_ids: list[str]) -> list[str]:
        return fulfilment.route_orders(conn, order_ids, rules=rules.get(), connections=connections)

    def waiting_for(conn: Connection, skus: set[str]) -> int:
        return fulfilment.retry_waiting(conn, skus, now=utcnow())

    registry.register_local(ingest.ACCEPT_JOB, accept_handler(stock_policy(connections), router))
    registry.register(inbound.PROCESS_JOB, inbound.handle_process_job)
    registry.register(polling.POLL_JOB, polling.handle_poll_job)
    registry.register(polling.SHIPMENT_POLL_JOB, polling.handle_shipment_poll_job)
    stock_sync.register(registry, connections, waiting_for)
    fulfilment.register(registry, rules, connections)
    load_plugins(registry, settings.plugins)
    return registry


def load_connections(settings: Settings) -> Connections:
    return connections_config.load(settings.config_path, plugins.discover())


@dataclass(slots=True)
class Hub:
    """Everything a request or a job needs, made once per process."""

    settings: Settings
    db: Database
    writer: ingest.OrderWriter
    keys: KeyRing
    registry: JobRegistry
    connections: Connections
    http: httpx.AsyncClient | None = field(default=None)
    buckets: dict[str, Any] = field(default_factory=dict)  # per-connection rate limits

    @classmethod
    def build(cls, settings: Settings) -> Hub:
        db = Database(settings.database_url)
        connections = load_connections(settings)
        return cls(
            settings=settings,
            db=db,
            writer=ingest.OrderWriter(db, max_attempts=settings.job_max_attempts),
            keys=KeyRing(db, ttl=settings.key_cache_seconds),
            registry=build_registry(settings, connections),
            connections=connections,
        )

    def job_context(self) -> JobContext:
        return JobContext(
            db=self.db,
            settings=self.settings,
            connections=self.connections,
            http=self.http,
            buckets=self.buckets,
        )

    async def start(self) -> None:
        self.http = httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=10.0))
        await self.writer.start()

    async def close(self) -> None:
        await self.writer.stop()
        if self.http is not None:
            await self.http.aclose()
        await self.db.dispose()
