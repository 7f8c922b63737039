"""Drift checks: read a channel's figures back (where its connector can, ``ReadsStock``),
record every difference from the hub's figure and push the hub's figure for those (not
for a row whose figure the partner refused for good: that waits for a change or a resync)."""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy import Connection

from hub.clock import utcnow
from hub.sdk import FatalError, PartnerHttp, ReadsStock, RetriableError, StockFigure
from hub.services.jobs import FatalJobError, JobContext, RetryLater
from hub.services.stock_sync.jobs import PUSH_JOB, enqueue_once
from hub.services.stock_sync.targets import Target, figures, target
from hub.store import polls
from hub.store import stock_sync as store
from hub.store.jobs import Job

#: the polls stream whose stamp says when a connection's drift was last checked
DRIFT_STREAM = "stock-drift"

Drifted = tuple[str, int, int]  # (sku, hub figure, channel figure)


class DriftSummary(msgspec.Struct, kw_only=True):
    connection: str
    checked: int = 0
    drifted: int = 0


async def check_drift(ctx: JobContext, code: str) -> DriftSummary:
    """Read the channel's figures back, record every difference from the hub's figure and
    push the hub's figure for those. Rows waiting to be pushed are not checked."""
    t = target(ctx.connections, code)
    reader = t.connector
    if not isinstance(reader, ReadsStock):
        raise FatalJobError(f"connection {code!r} cannot read its stock back")
    size = t.connector.stock_batch_size
    http = ctx.partner_http(code, attempts=1)
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
        settled = [  # a refused figure is not pushed again by a drift check
            r
            for r in rows
            if not r.pending and r.pushed_quantity is not None and r.refused_quantity is None
        ]
        if settled:
            drifted = await _compare(reader, t, settled, figs, ids, http)
            await ctx.db.run_write(lambda conn, s=settled, d=drifted: _record(conn, code, s, d))
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


async def _compare(
    reader: ReadsStock,
    t: Target,
    settled: list[Any],
    figs: dict[str, int],
    ids: dict[str, str],
    http: PartnerHttp,
) -> list[Drifted]:
    """The channel's figures for ``settled`` rows that differ from the hub's."""
    try:
        seen = await reader.read_stock(
            t.connection,
            [StockFigure(r.sku, ids.get(r.sku), figs[r.sku]) for r in settled],
            http,
        )
    except RetriableError as exc:
        raise RetryLater.after(exc) from None
    except FatalError as exc:
        raise FatalJobError(str(exc)) from None
    return [
        (r.sku, figs[r.sku], seen[r.sku])
        for r in settled
        if r.sku in seen and seen[r.sku] != figs[r.sku]
    ]


def _record(conn: Connection, code: str, settled: list[Any], drifted: list[Drifted]) -> None:
    now = utcnow()
    store.record_drift(conn, code, drifted, now=now)
    store.mark_pending(conn, [(code, s) for s, _, _ in drifted], now=now, force=True)
    store.mark_checked(conn, code, [r.sku for r in settled], now=now)
    if drifted:
        enqueue_once(conn, PUSH_JOB, code, now=now)


async def handle_drift_job(ctx: JobContext, job: Job) -> None:
    await check_drift(ctx, job.payload["connection"])
