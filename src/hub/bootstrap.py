"""The composition root: builds the hub's parts from settings. Nothing here runs at import."""

from __future__ import annotations

from dataclasses import dataclass

from hub.config import Settings
from hub.services import ingest
from hub.services.jobs import JobRegistry, load_plugins
from hub.services.keys import KeyRing
from hub.services.orders import handle_accept_jobs
from hub.store.database import Database


def build_registry(settings: Settings) -> JobRegistry:
    registry = JobRegistry()
    registry.register_local(ingest.ACCEPT_JOB, handle_accept_jobs)
    load_plugins(registry, settings.plugins)
    return registry


@dataclass(slots=True)
class Hub:
    """Everything a request or a job needs, made once per process."""

    settings: Settings
    db: Database
    writer: ingest.OrderWriter
    keys: KeyRing
    registry: JobRegistry

    @classmethod
    def build(cls, settings: Settings) -> Hub:
        db = Database(settings.database_url)
        return cls(
            settings=settings,
            db=db,
            writer=ingest.OrderWriter(db, max_attempts=settings.job_max_attempts),
            keys=KeyRing(db, ttl=settings.key_cache_seconds),
            registry=build_registry(settings),
        )

    async def start(self) -> None:
        await self.writer.start()

    async def close(self) -> None:
        await self.writer.stop()
        await self.db.dispose()
