"""Push: one connection's pending figures to its partner, a batch per call.

Each figure is computed *now* (so only the newest is sent); a figure the channel already
has (the last pushed one) is not sent again unless the row is forced; rows are cleared only
if nothing changed them meanwhile. Each connection has its own token bucket, shared by
every worker (``hub.services.ratelimit``): a job that finds it empty, or a partner that
answers 429 or 5xx, is put back (with the partner's Retry-After; partner calls here are not
retried in place) and no other channel waits.

A permanent refusal (a 4xx other than 408/409/425/429) is recorded once on each refused
row, with the figure and listing refused: the row stops being pending, shows under
``GET /stock/sync?state=error``, and that figure is not sent again until the figure or the
listing changes, or an operator resyncs (which forces it). A batch of several figures
refused as a whole is split in halves and sent again, so that only the figures the partner
refuses are held back (a refusal of the credentials, 401/403, is not split).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import msgspec
from sqlalchemy import Connection

from hub.clock import utcnow
from hub.domain.webhooks import EventType
from hub.sdk import FatalError, NotSent, PartnerHttp, RetriableError, StockFigure, is_permanent
from hub.services import subscriptions as webhooks
from hub.services.jobs import JobContext, RetryLater
from hub.services.ratelimit import SharedBucket
from hub.services.stock_sync.jobs import PUSH_JOB, enqueue_again
from hub.services.stock_sync.targets import Target, bucket, figures, target
from hub.store import stock_sync as store
from hub.store.database import Database
from hub.store.jobs import Job

BATCHES_PER_RUN = 20  # partner calls per push job run, then the job makes way for others

Figure = tuple[str, int, int]  # (sku, row version, quantity)
#: partner refusals of the connection itself, not of the figures: never split
_NOT_SPLIT = frozenset({401, 403, 407})


class _Refused(Exception):
    """The partner refused the batch for good."""

    def __init__(self, reason: str, *, split: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.split = split


class PushSummary(msgspec.Struct, kw_only=True):
    connection: str
    calls: int = 0
    pushed: int = 0  # figures sent and taken
    unchanged: int = 0  # the channel already had the figure: nothing sent
    rejected: int = 0  # the partner refused these SKUs
    more: bool = False  # pending rows were left for the next run
    error: str | None = None  # a resync that gave up on this channel: why


def idempotency_key(code: str, batch: list[Figure]) -> str:
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
    batch = _Pusher(ctx, t, ctx.partner_http(code, attempts=1), bucket(ctx, t), wait_for_tokens)
    summary = PushSummary(connection=code)
    batches = 0
    while max_batches is None or batches < max_batches:
        rows = await batch.run(summary)
        if not rows:
            return summary
        batches += 1
        if progress is not None:
            progress(rows)
        if rows < t.batch_size:
            return summary
    summary.more = True
    return summary


class _Pusher:
    """One batch at a time: read the oldest pending rows, call the partner, record."""

    def __init__(
        self, ctx: JobContext, t: Target, http: PartnerHttp, limiter: SharedBucket, wait: bool
    ) -> None:
        self.ctx, self.t, self.http, self.limiter, self.wait = ctx, t, http, limiter, wait
        self.announce: set[str] = set()

    def _read(self, conn: Connection) -> tuple[list[Any], dict[str, int], dict[str, str]]:
        rows = store.pending(conn, self.t.code, self.t.batch_size)
        skus = [r.sku for r in rows]
        return rows, figures(conn, self.t.rules, skus), store.listing_ids(conn, self.t.code, skus)

    async def run(self, summary: PushSummary) -> int:
        """One batch; returns how many rows it covered (0: nothing was pending)."""
        async with self.ctx.db.read() as aconn:
            rows, figs, ids = await aconn.run_sync(self._read)
        if not rows:
            return 0
        unchanged, refused_before, batch = [], [], []
        # a forced row (resync, drift) whose figure the channel did not have: its ATS there
        # changes with no stock movement, so fan_out did not announce it; the push does
        self.announce = {r.sku for r in rows if r.force and r.pushed_quantity != figs[r.sku]}
        for r in rows:
            figure = (r.sku, r.version, figs[r.sku])
            if not r.force and r.pushed_quantity == figs[r.sku]:
                unchanged.append(figure)
            elif not r.force and _refused_already(r, figs[r.sku], ids.get(r.sku)):
                refused_before.append(figure)
            else:
                batch.append(figure)
        code = self.t.code
        await self.ctx.db.run_write(
            lambda conn: _record_unsent(conn, code, unchanged, refused_before)
        )
        summary.unchanged += len(unchanged)
        summary.rejected += len(refused_before)
        if batch:
            await self._send(batch, {r.sku: r.changed_at for r in rows}, ids, summary)
        return len(rows)

    async def _send(
        self,
        batch: list[Figure],
        when: dict[str, Any],
        ids: dict[str, str],
        summary: PushSummary,
    ) -> None:
        """Push ``batch`` and record the outcome; a batch refused as a whole is split."""
        try:
            refused = await self._call(batch, when, ids)
        except _Refused as exc:
            summary.calls += 1
            if exc.split and len(batch) > 1:
                half = len(batch) // 2
                await self._send(batch[:half], when, ids, summary)
                await self._send(batch[half:], when, ids, summary)
                return
            refused = {s: exc.reason for s, _, _ in batch}
        else:
            summary.calls += 1
        taken = [b for b in batch if b[0] not in refused]
        code = self.t.code
        news = [(s, q) for s, _, q in taken if s in self.announce]
        await self.ctx.db.run_write(
            lambda conn: _record(conn, code, taken, refused, batch, ids, news)
        )
        summary.pushed += len(taken)
        summary.rejected += len(refused)

    async def _call(
        self, batch: list[Figure], when: dict[str, Any], ids: dict[str, str]
    ) -> dict[str, str]:
        """The partner call for ``batch``; returns what it refused, SKU -> reason."""
        try:
            await self.limiter.acquire(max_wait=float("inf") if self.wait else 0.0)
            result = await self.t.connector.push_stock(
                self.t.connection,
                [StockFigure(s, ids.get(s), q, when[s]) for s, _, q in batch],
                self.http,
                idempotency_key=idempotency_key(self.t.code, batch),
            )
        except NotSent as exc:  # held back (the bucket, the breaker): not an attempt
            raise RetryLater.after(exc) from None
        except RetriableError as exc:
            await _failed(self.ctx.db, self.t.code, batch, str(exc))
            raise RetryLater.after(exc) from None
        except FatalError as exc:
            if not is_permanent(exc):  # 409 and the like: not now, later
                await _failed(self.ctx.db, self.t.code, batch, str(exc))
                raise RetryLater(str(exc), after_seconds=0.0) from None
            raise _Refused(str(exc), split=exc.status_code not in _NOT_SPLIT) from None
        return result.rejected


def _refused_already(row: Any, figure: int, listing: str | None) -> bool:
    """The partner refused this very figure for this very listing before."""
    return row.refused_quantity == figure and row.refused_listing == listing


def _record_unsent(
    conn: Connection, code: str, unchanged: list[Figure], refused_before: list[Figure]
) -> None:
    now = utcnow()
    store.record_pushed(conn, code, unchanged, now=now, sent=False)
    store.record_still_refused(conn, code, [(s, v) for s, v, _ in refused_before])


def _record(
    conn: Connection,
    code: str,
    taken: list[Figure],
    refused: dict[str, str],
    batch: list[Figure],
    ids: dict[str, str],
    news: list[tuple[str, int]],
) -> None:
    now = utcnow()
    store.record_pushed(conn, code, taken, now=now)
    if news:  # stock.changed: this channel's new ATS (README "Outbound webhooks")
        events = [({"sku": sku, "channels": {code: ats}}, now) for sku, ats in news]
        webhooks.emit_sync(conn, EventType.STOCK_CHANGED, events)
    for sku, reason in refused.items():
        rows = [(s, v, q, ids.get(s)) for s, v, q in batch if s == sku]
        store.record_refused(conn, code, rows, reason)


async def _failed(db: Database, code: str, batch: list[Figure], error: str) -> None:
    """A retriable failure: the rows stay pending, with the error and one more attempt."""
    pairs = [(s, v) for s, v, _ in batch]
    await db.run_write(
        lambda conn: store.record_failed(conn, code, pairs, error, keep_pending=True)
    )


async def handle_push_job(ctx: JobContext, job: Job) -> None:
    code = job.payload["connection"]
    summary = await push(ctx, code)
    if summary.more:  # let other connections' jobs in, then carry on
        await ctx.db.run_write(lambda conn: enqueue_again(conn, PUSH_JOB, code, now=utcnow()))
        ctx.db.signal_jobs()
