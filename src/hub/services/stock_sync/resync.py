"""Resync: every SKU's figure forced to each channel, now (``hub stock resync``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sqlalchemy import Connection

from hub.clock import utcnow
from hub.services.jobs import FatalJobError, JobContext, RetryLater
from hub.services.stock_sync.jobs import RETRY_CAP_SECONDS
from hub.services.stock_sync.push import PushSummary, push
from hub.services.stock_sync.targets import Target, targets
from hub.store import catalog as catalog_store
from hub.store import stock as stock_store
from hub.store import stock_sync as store

RESYNC_ATTEMPTS = 5  # a resync waits and tries again this often on 429/5xx

Progress = Callable[[str, int, int], None]


async def resync(
    ctx: JobContext, codes: list[str] | None = None, *, progress: Progress | None = None
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
    totals = await ctx.db.run_write(lambda conn: _mark_all(conn, chosen))
    return list(await asyncio.gather(*(_one(ctx, t, totals[t.code], progress) for t in chosen)))


def _mark_all(conn: Connection, chosen: list[Target]) -> dict[str, int]:
    """Every SKU each connection hears of, pending and forced; the count per connection."""
    now = utcnow()
    every = stock_store.all_skus(conn) | catalog_store.all_bundles(conn)
    counts = {}
    for t in chosen:
        skus = every if t.all_skus else set(store.all_listed_skus(conn, t.code))
        counts[t.code] = store.mark_pending(conn, [(t.code, s) for s in skus], now=now, force=True)
    return counts


async def _one(ctx: JobContext, t: Target, expected: int, progress: Progress | None) -> PushSummary:
    """One channel's resync: its pending rows pushed, with waits and retries."""
    done = 0
    total = PushSummary(connection=t.code)

    def step(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(t.code, done, expected)

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
