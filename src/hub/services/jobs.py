"""What jobs do: the handler registry, retry policy, and the operator's view of the outbox."""

from __future__ import annotations

import importlib
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Connection

from hub.clock import utcnow
from hub.config import Settings
from hub.errors import Conflict, NotFound
from hub.sdk.errors import FatalError, RetriableError
from hub.sdk.http import PartnerHttp
from hub.store import jobs as job_store
from hub.store.database import Database
from hub.store.jobs import Job


class FatalJobError(Exception):
    """A failure that no retry can fix (bad request, auth refused): the job dies at once."""


class RetryLater(Exception):
    """A retriable failure with a known wait, such as a partner's Retry-After."""

    def __init__(self, message: str, *, after_seconds: float) -> None:
        super().__init__(message)
        self.after_seconds = after_seconds

    @classmethod
    def after(cls, exc: RetriableError) -> RetryLater:
        """A partner's retriable failure, to be tried again after its own hint (if any)."""
        return cls(str(exc), after_seconds=exc.retry_after or 0.0)


@dataclass(slots=True)
class JobContext:
    """What a handler may use: the database, settings, connections and an HTTP client."""

    db: Database
    settings: Settings
    connections: Any = None  # hub.connections.Connections
    http: httpx.AsyncClient | None = None
    #: per-connection rate limiters of this process (hub.infra.ratelimit.TokenBucket)
    buckets: dict[str, Any] = field(default_factory=dict)

    def partner_http(self, *, attempts: int = 4) -> PartnerHttp:
        """The one way a handler calls a partner: the process's pooled client, with the
        hub's retry rules (``attempts=1``: fail fast and let the job queue retry)."""
        if self.http is None:
            raise RuntimeError("the job context has no HTTP client (Hub.start() not called)")
        return PartnerHttp(self.http, attempts=attempts)


Handler = Callable[[JobContext, Job], Awaitable[None]]
BatchHandler = Callable[[JobContext, list[Job]], Awaitable[None]]
LocalHandler = Callable[[Connection, list[Job]], None]


@dataclass(slots=True)
class JobRegistry:
    """Job kind -> handler.

    - ``register``: one job at a time, for effects outside the database (partner calls).
    - ``register_batch``: many jobs of a kind in one call.
    - ``register_local``: a database-only effect, run inside the very transaction that claims
      the jobs and marks them done: exactly once, and one commit for the whole batch.
    """

    single: dict[str, Handler] = field(default_factory=dict)
    batch: dict[str, BatchHandler] = field(default_factory=dict)
    local: dict[str, LocalHandler] = field(default_factory=dict)

    def register(self, kind: str, handler: Handler) -> None:
        self.single[kind] = handler

    def register_batch(self, kind: str, handler: BatchHandler) -> None:
        self.batch[kind] = handler

    def register_local(self, kind: str, handler: LocalHandler) -> None:
        self.local[kind] = handler

    def knows(self, kind: str) -> bool:
        return kind in self.single or kind in self.batch or kind in self.local


def retry_at(
    job: Job, exc: BaseException, *, now: datetime, base: float, cap: float
) -> datetime | None:
    """When to try again, or None when the job should be parked as dead.

    Exponential backoff with jitter: attempt n waits a random time between half and all of
    ``base * 2**(n-1)`` seconds, capped at ``cap``; a partner's Retry-After wins if longer.
    """
    if isinstance(exc, FatalJobError | FatalError) or job.attempts >= job.max_attempts:
        return None
    delay = min(cap, base * 2 ** (job.attempts - 1)) * random.uniform(0.5, 1.0)
    if isinstance(exc, RetryLater):
        delay = max(delay, exc.after_seconds)
    elif isinstance(exc, RetriableError) and exc.retry_after:
        delay = max(delay, exc.retry_after)
    return now + timedelta(seconds=delay)


def describe(exc: BaseException) -> str:
    """The error kept on a job: its type and message, never a traceback, at most 2,000 chars."""
    text = f"{type(exc).__name__}: {exc}"
    return text[:2000]


def load_plugins(registry: JobRegistry, modules: tuple[str, ...]) -> None:
    """Import each ``HUB_PLUGINS`` module and let its ``register(registry)`` add handlers."""
    for name in modules:
        module = importlib.import_module(name)
        register = getattr(module, "register", None)
        if register is None:
            raise ImportError(f"HUB_PLUGINS: module {name!r} has no register(registry) function")
        register(registry)


async def list_jobs(
    db: Database,
    *,
    state: str | Sequence[str] | None,
    kind: str | Sequence[str] | None,
    after: int | None,
    limit: int,
) -> list[Job]:
    async with db.read() as conn:
        return await job_store.list_jobs(conn, state=state, kind=kind, after=after, limit=limit)


async def replay(db: Database, job_id: int) -> Job:
    """Give a dead job a fresh set of attempts."""
    async with db.write() as conn:
        if not await job_store.replay(conn, job_id, now=utcnow()):
            job = await job_store.get(conn, job_id)
            if job is None:
                raise NotFound(f"no job {job_id}")
            raise Conflict(f"job {job_id} is {job.state}; only a dead job can be replayed")
        job = await job_store.get(conn, job_id)
    db.signal_jobs()
    assert job is not None
    return job


async def counts(db: Database) -> dict[str, int]:
    async with db.read() as conn:
        return await job_store.counts(conn)
