"""What jobs do: the handler registry, retry policy, and the operator's view of the outbox.

Retry policy (``retry_at``):

- a permanent failure (``FatalJobError``; a partner's 4xx other than 408/409/425/429,
  ``hub.sdk.is_permanent``) is dead at once;
- a job for a partner (registered ``outbound``: sending a fulfilment, a shipment, stock)
  is tried until ``HUB_PARTNER_RETRY_HOURS`` (24) have passed since it was queued, then
  dead; any other job until ``max_attempts``;
- the wait before attempt n+1 is ``base * 2**(n-1)`` seconds, capped at ``cap``, times a
  jitter between half and all of it; a partner's Retry-After wins if longer;
- a call the hub held back (``NotSent``: the connection's breaker is open, no rate token)
  is not a failed attempt: the job waits as long as asked and its attempt is given back.
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import httpx
from sqlalchemy import Connection

from hub.clock import utcnow
from hub.config import Settings
from hub.errors import Conflict, NotFound
from hub.sdk.errors import NotSent, RetriableError, is_permanent
from hub.sdk.http import PartnerHttp
from hub.services.breaker import BreakerGuard
from hub.services.ratelimit import SharedLimits
from hub.store import jobs as job_store
from hub.store.database import Database
from hub.store.jobs import Job


class FatalJobError(Exception):
    """A failure that no retry can fix (bad request, auth refused): the job dies at once."""


class RetryLater(Exception):
    """A retriable failure with a known wait, such as a partner's Retry-After.

    ``counts`` False: nothing was tried (the call was held back); the attempt is given back.
    """

    def __init__(self, message: str, *, after_seconds: float, counts: bool = True) -> None:
        super().__init__(message)
        self.after_seconds = after_seconds
        self.counts = counts

    @classmethod
    def after(cls, exc: RetriableError) -> RetryLater:
        """A partner's retriable failure, to be tried again after its own hint (if any)."""
        return cls(
            str(exc), after_seconds=exc.retry_after or 0.0, counts=not isinstance(exc, NotSent)
        )


class JobTimedOut(Exception):
    """The job ran longer than ``HUB_JOB_TIMEOUT_SECONDS``: a failed attempt, retried."""


@dataclass(slots=True)
class JobContext:
    """What a handler may use: the database, settings, connections and an HTTP client."""

    db: Database
    settings: Settings
    connections: Any = None  # hub.connections.Connections
    http: httpx.AsyncClient | None = None

    def partner_http(self, connection: str | None = None, *, attempts: int = 4) -> PartnerHttp:
        """The one way a handler calls a partner: the process's pooled client, with the
        hub's retry rules (``attempts=1``: fail fast and let the job queue retry) and, for
        ``connection``, its circuit breaker and rate limits (shared by every worker through
        the database)."""
        if self.http is None:
            raise RuntimeError("the job context has no HTTP client (Hub.start() not called)")
        if connection is None:
            return PartnerHttp(self.http, attempts=attempts)
        return PartnerHttp(
            self.http,
            attempts=attempts,
            guard=BreakerGuard(self.db, self.settings, connection),
            limits=SharedLimits(self.db, connection),
        )


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one job of a stream ended: ``error`` None when it is done. ``detail`` is the
    stream's own record of it, written by ``Stream.record`` in the transaction that records
    the job, so many outcomes share one commit."""

    job: Job
    error: BaseException | None = None
    detail: Any = None


class Stream(Protocol):
    """Jobs of one kind that run many at once, beside the worker's slots: the worker claims
    up to ``room()`` of them in one transaction, in which ``prepare`` reads what they need,
    hands both to ``start`` (which must not block: it starts its own tasks and calls
    ``report`` once per job as each ends), and records the reported outcomes in batches,
    ``record`` writing the stream's part."""

    def room(self) -> int: ...

    def prepare(self, conn: Connection, jobs: list[Job]) -> Any: ...

    def start(
        self, ctx: JobContext, jobs: list[Job], prepared: Any, report: Callable[[Outcome], None]
    ) -> None: ...

    def record(self, conn: Connection, outcomes: list[Outcome]) -> None: ...

    async def drain(self, seconds: float) -> None: ...


Handler = Callable[[JobContext, Job], Awaitable[None]]
BatchHandler = Callable[[JobContext, list[Job]], Awaitable[None]]
LocalHandler = Callable[[Connection, list[Job]], None]
#: (conn, job, the error it died of, now): settle what the dead job stood for
DeadHandler = Callable[[Connection, Job, str, datetime], None]


@dataclass(slots=True)
class JobRegistry:
    """Job kind -> handler.

    - ``register``: one job at a time, for effects outside the database (partner calls);
      ``outbound=True`` for a job that sends something to a partner: it is retried on the
      partner schedule (``HUB_PARTNER_RETRY_HOURS``) rather than ``max_attempts``.
    - ``register_batch``: many jobs of a kind in one call.
    - ``register_local``: a database-only effect, run inside the very transaction that claims
      the jobs and marks them done: exactly once, and one commit for the whole batch.
    - ``register_stream``: many jobs in flight at once outside the worker's slots, claimed
      and recorded in batches (``Stream``); webhook deliveries.
    - ``on_dead``: called in the transaction that parks a job of that kind as dead (its
      last attempt failed, or its worker died on it), to settle what the job stood for.
    """

    single: dict[str, Handler] = field(default_factory=dict)
    batch: dict[str, BatchHandler] = field(default_factory=dict)
    local: dict[str, LocalHandler] = field(default_factory=dict)
    stream: dict[str, Stream] = field(default_factory=dict)
    on_dead: dict[str, DeadHandler] = field(default_factory=dict)
    outbound: set[str] = field(default_factory=set)
    #: what the handlers hold open (a pooled client): closed with the hub
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def register(self, kind: str, handler: Handler, *, outbound: bool = False) -> None:
        self.single[kind] = handler
        if outbound:
            self.outbound.add(kind)

    def register_batch(self, kind: str, handler: BatchHandler) -> None:
        self.batch[kind] = handler

    def register_local(self, kind: str, handler: LocalHandler) -> None:
        self.local[kind] = handler

    def register_stream(self, kind: str, stream: Stream, *, outbound: bool = False) -> None:
        self.stream[kind] = stream
        if outbound:
            self.outbound.add(kind)

    def knows(self, kind: str) -> bool:
        return any(kind in d for d in (self.single, self.batch, self.local, self.stream))


def retry_at(
    job: Job,
    exc: BaseException,
    *,
    now: datetime,
    base: float,
    cap: float,
    span: timedelta | None = None,
) -> datetime | None:
    """When to try again, or None when the job should be parked as dead.

    Exponential backoff with jitter: attempt n waits a random time between half and all of
    ``base * 2**(n-1)`` seconds, capped at ``cap``; a partner's Retry-After wins if longer.
    With ``span`` (a partner job) the job is tried until ``span`` has passed since it was
    queued, whatever its attempts; without, until ``max_attempts``.
    """
    if isinstance(exc, FatalJobError) or is_permanent(exc):
        return None
    if span is not None:
        if now >= job.created_at + span:
            return None
    elif job.attempts >= job.max_attempts:
        return None
    delay = min(cap, base * 2 ** (max(1, job.attempts) - 1)) * random.uniform(0.5, 1.0)
    if isinstance(exc, RetryLater):
        delay = max(delay, exc.after_seconds)
    elif isinstance(exc, RetriableError) and exc.retry_after:
        delay = max(delay, exc.retry_after)
    return now + timedelta(seconds=delay)


def held_back(exc: BaseException) -> float | None:
    """Seconds to wait when ``exc`` says the job's call was held back, not tried (its
    attempt is given back); None for a real failure."""
    if isinstance(exc, NotSent):
        return exc.retry_after or 0.0
    if isinstance(exc, RetryLater) and not exc.counts:
        return exc.after_seconds
    return None


def schedule(base: float, cap: float, span: timedelta) -> list[float]:
    """The nominal waits (before jitter) of a partner job's retries over ``span``: what
    ``retry_at`` does when every attempt fails at once (the operator's table)."""
    waits: list[float] = []
    total = 0.0
    while total < span.total_seconds():
        wait = min(cap, base * 2 ** len(waits))
        waits.append(wait)
        total += wait
    return waits


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


async def counts(db: Database, *, limit: int | None = None) -> dict[str, int]:
    """Jobs per shown state; with ``limit``, a count stops at ``limit + 1``."""
    async with db.read() as conn:
        return await job_store.counts(conn, limit=limit)
