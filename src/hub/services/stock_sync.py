"""Stock out to every channel: coalesced, batched, rate-limited, retried and recorded.

The path of one stock change::

    movement transaction --- marks the SKU dirty, enqueues ``stock.fanout`` (one waiting)
    stock.fanout (local) --- dirty SKUs (and bundles made of them) -> one pending row per
                             (connection, SKU) that connection lists; one ``stock.push``
                             job waiting per connection
    stock.push           --- per connection: the oldest pending rows, up to the connector's
                             batch size; each figure computed *now* (so only the newest is
                             sent); one partner call per batch; rows cleared only if nothing
                             changed them meanwhile

Each connection has its own push job, token bucket and back-off: a channel that answers
429 or 5xx gets its figure later (the job is put back with the partner's Retry-After;
partner calls here are not retried in place) and no other channel waits for it.

A figure the channel already has (the last pushed one) is not sent again, unless the row
is forced (a resync, or drift found). Drift checks read the channel's figures back where
its connector can (``ReadsStock``), record what differs and push the hub's figure.

Connection settings: ``stock_push`` (default true), ``stock_skus`` (``listed``: SKUs with
a listing id for this connection in the catalog, the default; ``all``: every SKU, keyed by
the SKU itself), ``stock_calls_per_second`` and ``stock_burst`` (the token bucket; the
connector's own default otherwise), ``stock_drift_minutes`` (default 60; 0: never).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import msgspec
from sqlalchemy import Connection

from hub.clock import utcnow
from hub.domain.ats import ChannelRules, LocationFigures, channel_ats, rules_from_settings, serves
from hub.sdk import Connection as ChannelConnection
from hub.sdk import FatalError, PartnerHttp, PushesStock, ReadsStock, RetriableError, StockFigure
from hub.services.jobs import FatalJobError, JobContext, RetryLater
from hub.store import catalog as catalog_store
from hub.store import jobs as job_store
from hub.store import polls
from hub.store import stock as stock_store
from hub.store import stock_sync as store
from hub.store.database import Database
from hub.store.jobs import Job, NewJob

FANOUT_JOB = "stock.fanout"
PUSH_JOB = "stock.push"
DRIFT_JOB = "stock.drift"
DRIFT_STREAM = "stock-drift"
JOB_ATTEMPTS = 8
FANOUT_LIMIT = 10_000  # dirty SKUs per fan-out run
BATCHES_PER_RUN = 20  # partner calls per push job run, then the job makes way for others
DEFAULT_CALLS_PER_SECOND = 2.0
DEFAULT_DRIFT_MINUTES = 60.0
RETRY_CAP_SECONDS = 600.0
RESYNC_ATTEMPTS = 5  # a resync waits and tries again this often on 429/5xx


# --------------------------------------------------------------------------- marking


def stock_changed(conn: Connection, skus: Iterable[str], *, now: Any) -> None:
    """Call inside every transaction that moves stock: the channels will hear of it."""
    wanted = set(skus)
    if not wanted:
        return
    store.mark_dirty(conn, wanted, now=now)
    job_store.enqueue_unless_active_sync(
        conn, NewJob(FANOUT_JOB, {}), now=now, max_attempts=JOB_ATTEMPTS, states=("pending",)
    )


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True, slots=True)
class Target:
    """A connection the hub pushes stock to."""

    connection: ChannelConnection
    connector: Any
    rules: ChannelRules
    all_skus: bool

    @property
    def code(self) -> str:
        return self.connection.code


def targets(connections: Any) -> list[Target]:
    """Every connection whose connector pushes stock and that sells stock."""
    found = []
    for connection in connections.all() if connections is not None else ():
        connector = connections.connector(connection)
        settings = connection.settings
        if not isinstance(connector, PushesStock) or settings.get("stock_push") is False:
            continue
        rules = rules_from_settings(settings)
        if serves(rules):
            found.append(
                Target(connection, connector, rules, settings.get("stock_skus", "listed") == "all")
            )
    return found


def target(connections: Any, code: str) -> Target:
    for t in targets(connections):
        if t.code == code:
            return t
    raise FatalJobError(f"connection {code!r} does not push stock (unknown, or stock_push off)")


# --------------------------------------------------------------------------- figures


def figures(conn: Connection, rules: ChannelRules, skus: Iterable[str]) -> dict[str, int]:
    """Each SKU's available to sell for a channel with ``rules`` (bundles from components)."""
    wanted = set(skus)
    bundles = catalog_store.components_of(conn, wanted)
    plain = (wanted - bundles.keys()) | {c for parts in bundles.values() for c in parts}
    levels = stock_store.levels_with_safety_many(conn, plain)

    def ats(sku: str) -> int:
        found = [
            LocationFigures(loc, lvl.on_hand, lvl.reserved, s)
            for loc, lvl, s in levels.get(sku, [])
        ]
        return channel_ats("", found, rules).ats

    plain_ats = {s: ats(s) for s in plain}
    out = {s: plain_ats[s] for s in wanted if s not in bundles}
    for bundle, parts in bundles.items():
        out[bundle] = min(plain_ats[c] // q for c, q in parts.items())
    return out


# --------------------------------------------------------------------------- fan-out


OnDirty = Callable[[Connection, set[str]], object]


def fanout_handler(
    connections: Any, on_dirty: OnDirty | None = None
) -> Callable[[Connection, list[Job]], None]:
    """The ``stock.fanout`` local job: dirty SKUs -> pending rows and push jobs.
    ``on_dirty(conn, skus)`` also hears of them (orders waiting for stock to route)."""

    def run(conn: Connection, jobs: list[Job]) -> None:
        fan_out(conn, targets(connections), on_dirty)

    return run


def fan_out(conn: Connection, found: list[Target], on_dirty: OnDirty | None = None) -> int:
    now = utcnow()
    seen = store.dirty(conn, FANOUT_LIMIT)
    if not seen:
        return 0
    skus = {s for _, s in seen}
    if on_dirty is not None:
        on_dirty(conn, set(skus))
    skus |= catalog_store.bundles_containing(conn, skus)
    listed = store.listed(conn, skus, [t.code for t in found if not t.all_skus])
    pairs = [(t.code, s) for t in found for s in skus if t.all_skus or (t.code, s) in listed]
    store.mark_pending(conn, pairs, now=now)
    store.clear_dirty(conn, seen)
    for code in sorted({c for c, _ in pairs}):
        job_store.enqueue_unless_active_sync(
            conn,
            NewJob(PUSH_JOB, {"connection": code}),
            now=now,
            max_attempts=JOB_ATTEMPTS,
            states=("pending",),
        )
    if len(seen) == FANOUT_LIMIT:  # more are waiting
        job_store.enqueue_sync(conn, [NewJob(FANOUT_JOB, {})], now=now, max_attempts=JOB_ATTEMPTS)
    return len(pairs)


# --------------------------------------------------------------------------- rate limit


class TokenBucket:
    """``rate`` calls per second on average, up to ``burst`` at once."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = max(1.0, burst)
        self.tokens = self.burst
        self.updated = time.monotonic()

    def take(self) -> float:
        """Take a token and return 0, or return the seconds until one is free (none taken)."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


def bucket(ctx: JobContext, t: Target) -> TokenBucket:
    rate = float(
        t.connection.settings.get("stock_calls_per_second")
        or getattr(t.connector, "stock_calls_per_second", DEFAULT_CALLS_PER_SECOND)
    )
    burst = float(t.connection.settings.get("stock_burst") or max(1.0, rate))
    found = ctx.buckets.get(t.code)
    if found is None or (found.rate, found.burst) != (rate, max(1.0, burst)):
        found = ctx.buckets[t.code] = TokenBucket(rate, burst)
    return found


# --------------------------------------------------------------------------- push


class PushSummary(msgspec.Struct, kw_only=True):
    connection: str
    calls: int = 0
    pushed: int = 0  # figures sent and taken
    unchanged: int = 0  # the channel already had the figure: nothing sent
    rejected: int = 0  # the partner refused these SKUs
    more: bool = False  # pending rows were left for the next run
    error: str | None = None  # a resync that gave up on this channel: why


def idempotency_key(code: str, batch: list[tuple[str, int, int]]) -> str:
    """Stable across retries of the same batch; new whenever any row has changed."""
    text = code + "|" + "|".join(f"{s}:{v}:{q}" for s, v, q in batch)
    return hashlib.sha256(text.encode()).hexdigest()[:40]


async def push(
    ctx: JobContext,
    code: str,
    *,
    max_batches: int | None = BATCHES_PER_RUN,
    wait_for_tokens: bool = False,
    progress: Callable[[int], None] | None = None,
) -> PushSummary:
    """Push a connection's pending figures, a batch per partner call.

    In a job (``wait_for_tokens`` False) an empty token bucket or a retriable partner
    answer raises ``RetryLater``: the job goes back to the queue and the worker moves on.
    The CLI's resync waits for tokens instead.
    """
    t = target(ctx.connections, code)
    size = max(
        1, int(t.connection.settings.get("stock_batch_size") or t.connector.stock_batch_size)
    )
    size = min(size, t.connector.stock_batch_size)
    http = PartnerHttp(_client(ctx), attempts=1)
    limiter = bucket(ctx, t)
    summary = PushSummary(connection=code)
    batches = 0
    while max_batches is None or batches < max_batches:

        def read(conn: Connection) -> tuple[list[Any], dict[str, int], dict[str, str]]:
            rows = store.pending(conn, code, size)
            skus = [r.sku for r in rows]
            return rows, figures(conn, t.rules, skus), store.listing_ids(conn, code, skus)

        async with ctx.db.read() as aconn:
            rows, figs, ids = await aconn.run_sync(read)
        if not rows:
            return summary
        batches += 1
        unchanged = [
            (r.sku, r.version, figs[r.sku])
            for r in rows
            if not r.force and r.pushed_quantity == figs[r.sku]
        ]
        batch = [
            (r.sku, r.version, figs[r.sku])
            for r in rows
            if r.force or r.pushed_quantity != figs[r.sku]
        ]
        taken, refused = batch, {}
        if batch:
            await _wait_token(limiter, wait_for_tokens)
            try:
                when = {r.sku: r.changed_at for r in rows}
                result = await t.connector.push_stock(
                    t.connection,
                    [StockFigure(s, ids.get(s), q, when[s]) for s, _, q in batch],
                    http,
                    idempotency_key=idempotency_key(code, batch),
                )
            except RetriableError as exc:
                await _failed(ctx.db, code, batch, str(exc), keep_pending=True)
                raise RetryLater.after(exc) from None
            except FatalError as exc:
                await _failed(ctx.db, code, batch, str(exc), keep_pending=True)
                raise FatalJobError(str(exc)) from None
            summary.calls += 1
            refused = result.rejected
            taken = [b for b in batch if b[0] not in refused]

        await ctx.db.run_write(
            lambda conn, taken=taken, unchanged=unchanged, refused=refused, batch=batch: _record(
                conn, code, taken, unchanged, refused, batch
            )
        )
        summary.pushed += len(taken)
        summary.unchanged += len(unchanged)
        summary.rejected += len(refused)
        if progress is not None:
            progress(len(rows))
        if len(rows) < size:
            return summary
    summary.more = True
    return summary


def _record(
    conn: Connection,
    code: str,
    taken: list[tuple[str, int, int]],
    unchanged: list[tuple[str, int, int]],
    refused: dict[str, str],
    batch: list[tuple[str, int, int]],
) -> None:
    now = utcnow()
    store.record_pushed(conn, code, taken, now=now)
    store.record_pushed(conn, code, unchanged, now=now, sent=False)
    for sku, reason in refused.items():
        versions = [(s, v) for s, v, _ in batch if s == sku]
        store.record_failed(conn, code, versions, reason, keep_pending=False)


def _client(ctx: JobContext) -> Any:
    if ctx.http is None:
        raise RuntimeError("the job context has no HTTP client (Hub.start() not called)")
    return ctx.http


async def _wait_token(limiter: TokenBucket, wait: bool) -> None:
    while (delay := limiter.take()) > 0:
        if not wait:
            raise RetryLater(f"rate limit: next call in {delay:.2f} s", after_seconds=delay)
        await asyncio.sleep(delay)


async def _failed(
    db: Database, code: str, batch: list[tuple[str, int, int]], error: str, *, keep_pending: bool
) -> None:
    pairs = [(s, v) for s, v, _ in batch]
    await db.run_write(
        lambda conn: store.record_failed(conn, code, pairs, error, keep_pending=keep_pending)
    )


async def handle_push_job(ctx: JobContext, job: Job) -> None:
    code = job.payload["connection"]
    summary = await push(ctx, code)
    if summary.more:  # let other connections' jobs in, then carry on
        await ctx.db.run_write(
            lambda conn: job_store.enqueue_sync(
                conn,
                [NewJob(PUSH_JOB, {"connection": code})],
                now=utcnow(),
                max_attempts=JOB_ATTEMPTS,
            )
        )
        ctx.db.signal_jobs()


# --------------------------------------------------------------------------- resync


async def resync(
    ctx: JobContext,
    codes: list[str] | None = None,
    *,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[PushSummary]:
    """Push every SKU's figure to each connection (all, or ``codes``), forced, now.

    The channels are pushed side by side, each at its own token bucket's pace; a channel
    that answers 429/5xx is waited for and tried again (``RESYNC_ATTEMPTS``), then left
    pending for the worker with its error in the summary. ``progress(connection, done,
    total)`` is called after each batch.
    """
    chosen = [t for t in targets(ctx.connections) if codes is None or t.code in codes]
    unknown = set(codes or ()) - {t.code for t in chosen}
    if unknown:
        raise ValueError(f"not a stock-pushing connection: {', '.join(sorted(unknown))}")

    def mark(conn: Connection) -> dict[str, int]:
        now = utcnow()
        every = stock_store.all_skus(conn) | catalog_store.all_bundles(conn)
        counts = {}
        for t in chosen:
            skus = every if t.all_skus else set(store.all_listed_skus(conn, t.code))
            counts[t.code] = store.mark_pending(
                conn, [(t.code, s) for s in skus], now=now, force=True
            )
        return counts

    totals = await ctx.db.run_write(mark)

    async def one(t: Target) -> PushSummary:
        done = 0
        total = PushSummary(connection=t.code)

        def step(n: int) -> None:
            nonlocal done
            done += n
            if progress is not None:
                progress(t.code, done, totals[t.code])

        for attempt in range(RESYNC_ATTEMPTS):
            try:
                got = await push(ctx, t.code, max_batches=None, wait_for_tokens=True, progress=step)
            except RetryLater as exc:
                total.error = str(exc)
                if attempt + 1 < RESYNC_ATTEMPTS:
                    pause = max(exc.after_seconds, 2.0**attempt)
                    await asyncio.sleep(min(RETRY_CAP_SECONDS, pause))
                continue
            except FatalJobError as exc:
                total.error = str(exc)
                break
            total.error = None
            total.calls += got.calls
            total.pushed += got.pushed
            total.unchanged += got.unchanged
            total.rejected += got.rejected
            break
        return total

    return list(await asyncio.gather(*(one(t) for t in chosen)))


# --------------------------------------------------------------------------- drift


class DriftSummary(msgspec.Struct, kw_only=True):
    connection: str
    checked: int = 0
    drifted: int = 0


async def check_drift(ctx: JobContext, code: str) -> DriftSummary:
    """Read the channel's figures back, record every difference from the hub's figure and
    push the hub's figure for those. Rows waiting to be pushed are not checked."""
    t = target(ctx.connections, code)
    if not isinstance(t.connector, ReadsStock):
        raise FatalJobError(f"connection {code!r} cannot read its stock back")
    size = t.connector.stock_batch_size
    http = PartnerHttp(_client(ctx), attempts=1)
    summary = DriftSummary(connection=code)
    after: str | None = None
    while True:

        def read(
            conn: Connection, after: str | None = after
        ) -> tuple[list[Any], dict[str, int], dict[str, str]]:
            rows = store.synced_page(conn, code, after, size)
            skus = [r.sku for r in rows]
            return rows, figures(conn, t.rules, skus), store.listing_ids(conn, code, skus)

        async with ctx.db.read() as aconn:
            rows, figs, ids = await aconn.run_sync(read)
        if not rows:
            break
        after = rows[-1].sku
        settled = [r for r in rows if not r.pending and r.pushed_quantity is not None]
        if settled:
            try:
                seen = await t.connector.read_stock(
                    t.connection,
                    [StockFigure(r.sku, ids.get(r.sku), figs[r.sku]) for r in settled],
                    http,
                )
            except RetriableError as exc:
                raise RetryLater.after(exc) from None
            except FatalError as exc:
                raise FatalJobError(str(exc)) from None
            drifted = [
                (r.sku, figs[r.sku], seen[r.sku])
                for r in settled
                if r.sku in seen and seen[r.sku] != figs[r.sku]
            ]

            def record(
                conn: Connection, settled: list[Any] = settled, drifted: list[Any] = drifted
            ) -> None:
                now = utcnow()
                store.record_drift(conn, code, drifted, now=now)
                store.mark_pending(conn, [(code, s) for s, _, _ in drifted], now=now, force=True)
                store.mark_checked(conn, code, [r.sku for r in settled], now=now)
                if drifted:
                    job_store.enqueue_unless_active_sync(
                        conn,
                        NewJob(PUSH_JOB, {"connection": code}),
                        now=now,
                        max_attempts=JOB_ATTEMPTS,
                        states=("pending",),
                    )

            await ctx.db.run_write(record)
            summary.checked += len(settled)
            summary.drifted += len(drifted)
        if len(rows) < size:
            break
    await ctx.db.run_write(
        lambda conn: polls.set_sync(conn, code, DRIFT_STREAM, None, now=utcnow())
    )
    if summary.drifted:
        ctx.db.signal_jobs()
    return summary


async def handle_drift_job(ctx: JobContext, job: Job) -> None:
    await check_drift(ctx, job.payload["connection"])


# --------------------------------------------------------------------------- schedule


@dataclass(slots=True)
class Due:
    fanout: bool = False
    pushes: list[str] = field(default_factory=list)
    drift: list[str] = field(default_factory=list)


async def enqueue_due(ctx: JobContext) -> Due:
    """The worker's safety net, run every few seconds: a fan-out when SKUs are dirty and
    none is waiting; a push for each connection with pending rows and none waiting (after
    a back-off that grows with the rows' failed attempts); a drift check where it is due."""
    found = targets(ctx.connections)
    due = Due()
    if not found:
        return due
    drift_every = {
        t.code: float(t.connection.settings.get("stock_drift_minutes", DEFAULT_DRIFT_MINUTES))
        for t in found
        if isinstance(t.connector, ReadsStock)
    }

    def pick(conn: Connection) -> None:
        now = utcnow()
        if store.dirty(conn, 1):
            due.fanout = job_store.enqueue_unless_active_sync(
                conn,
                NewJob(FANOUT_JOB, {}),
                now=now,
                max_attempts=JOB_ATTEMPTS,
                states=("pending",),
            )
        for code, (count, attempts) in store.pending_summary(conn).items():
            if code not in {t.code for t in found} or not count:
                continue
            wait = min(RETRY_CAP_SECONDS, 2.0**attempts) if attempts else 0.0
            if job_store.enqueue_unless_active_sync(
                conn,
                NewJob(PUSH_JOB, {"connection": code}),
                now=now,
                max_attempts=JOB_ATTEMPTS,
                run_at=now + timedelta(seconds=wait),
            ):
                due.pushes.append(code)
        for code, minutes in drift_every.items():
            if minutes <= 0:
                continue
            row = polls.get_sync(conn, code, DRIFT_STREAM)
            if row is not None and row.polled_at + timedelta(minutes=minutes) > now:
                continue
            if row is None:  # first sight: start the clock, check after one interval
                polls.set_sync(conn, code, DRIFT_STREAM, None, now=now)
                continue
            if job_store.enqueue_unless_active_sync(
                conn, NewJob(DRIFT_JOB, {"connection": code}), now=now, max_attempts=JOB_ATTEMPTS
            ):
                due.drift.append(code)

    await ctx.db.run_write(pick)
    if due.fanout or due.pushes or due.drift:
        ctx.db.signal_jobs()
    return due


# --------------------------------------------------------------------------- reading


class SyncRow(msgspec.Struct, frozen=True):
    connection: str
    sku: str
    pending: bool
    pushed_quantity: int | None
    pushed_at: Any  # datetime | None
    attempts: int
    last_error: str | None
    checked_at: Any  # datetime | None


class SyncPage(msgspec.Struct, frozen=True):
    items: list[SyncRow]
    next: str | None  # pass as ``after`` for the next page: "connection/sku"


class DriftFound(msgspec.Struct, frozen=True):
    at: Any  # datetime
    connection: str
    sku: str
    hub_quantity: int
    channel_quantity: int


async def sync_state(
    db: Database,
    *,
    connection: str | None = None,
    sku: str | None = None,
    only: str | None = None,
    after: str | None = None,
    limit: int = 100,
) -> SyncPage:
    cursor = tuple(after.split("/", 1)) if after and "/" in after else None
    async with db.read() as conn:
        rows = await conn.run_sync(
            lambda c: store.state(
                c, connection=connection, sku=sku, only=only, after=cursor, limit=limit
            )
        )
    items = [
        SyncRow(
            r.connection,
            r.sku,
            r.pending,
            r.pushed_quantity,
            r.pushed_at,
            r.attempts,
            r.last_error,
            r.checked_at,
        )
        for r in rows
    ]
    last = items[-1] if len(items) == limit else None
    return SyncPage(items=items, next=f"{last.connection}/{last.sku}" if last else None)


async def drift_found(db: Database, *, connection: str | None, limit: int) -> list[DriftFound]:
    async with db.read() as conn:
        rows = await conn.run_sync(lambda c: store.drift(c, connection=connection, limit=limit))
    return [DriftFound(r.at, r.connection, r.sku, r.hub_quantity, r.channel_quantity) for r in rows]


def register(registry: Any, connections: Any, on_dirty: OnDirty | None = None) -> None:
    registry.register_local(FANOUT_JOB, fanout_handler(connections, on_dirty))
    registry.register(PUSH_JOB, handle_push_job)
    registry.register(DRIFT_JOB, handle_drift_job)
