"""Polling partners: channels for orders, warehouses for shipments; pages kept as inbound
messages, the cursor committed with them (the fallback, or the only way, beside webhooks).

A poll asks the connector for orders changed since the stored cursor, up to the time the run
started less a look-back for clock skew (``lookback_seconds``, default 120; Amazon requires at
least two minutes anyway). Every page is kept in one transaction: its messages (deduplicated
by connection and the message's version key), their ``inbound.process`` jobs, and the new
cursor. A crash between pages loses nothing and repeats nothing that counts: the next run
starts from the last committed cursor, and a re-fetched version is the same message.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import msgspec
from sqlalchemy import Connection

from hub.clock import utcnow
from hub.connections import NotConfigured
from hub.domain import ids
from hub.errors import NotFound
from hub.sdk.connector import PolledMessage, PollResult, PollsOrders
from hub.sdk.fulfilment import PollsShipments
from hub.sdk.returns import PollsReturns
from hub.services.intake.messages import REPORT_TOPIC, queue_processing
from hub.services.jobs import FatalJobError, JobContext
from hub.store import inbound as inbound_store
from hub.store import jobs as job_store
from hub.store import polls
from hub.store.jobs import Job, NewJob

POLL_JOB = "poll.orders"
STREAM = "orders"
SHIPMENT_POLL_JOB = "poll.shipments"
SHIPMENT_STREAM = "shipments"
RETURN_POLL_JOB = "poll.returns"
RETURN_STREAM = "returns"

MAX_PAGES = 100


@dataclass(frozen=True, slots=True)
class PollSummary:
    pages: int
    new: int
    seen: int


def _require(ctx: JobContext, code: str, protocol: type, what: str) -> tuple[Any, Any]:
    """The connection and its connector, or ``NotFound`` (``hub poll`` shows it as it is)."""
    if ctx.connections is None:
        raise NotFound(f"no connection {code!r} that {what}")
    try:
        return ctx.connections.require(code, protocol)
    except NotConfigured:
        raise NotFound(f"no connection {code!r} that {what}") from None


async def poll(ctx: JobContext, code: str) -> PollSummary:
    """Ask a channel for the orders changed since the stored cursor; keep them page by page."""
    connection, connector = _require(ctx, code, PollsOrders, "polls for orders")
    return await _poll_window(ctx, code, STREAM, connection, connector.poll_orders)


async def poll_returns(ctx: JobContext, code: str) -> PollSummary:
    """Ask a channel for the returns and refunds it reports (eBay's post-order returns,
    Amazon's refunds) since the stored cursor; each kept as a message and applied by
    ``inbound.process`` (``services/returns``), quarantined and replayed like any other."""
    connection, connector = _require(ctx, code, PollsReturns, "polls for returns")
    return await _poll_window(ctx, code, RETURN_STREAM, connection, connector.poll_returns)


async def _poll_window(
    ctx: JobContext, code: str, stream: str, connection: Any, method: Any
) -> PollSummary:
    """Pages of ``method`` (``poll_orders``-shaped) up to the run's start less the look-back."""
    started = utcnow()
    until = started - timedelta(seconds=ctx.connections.hub_settings(code).lookback_seconds)
    until_text = until.isoformat().replace("+00:00", "Z")
    http = ctx.partner_http(code)

    async def fetch(cursor: str | None) -> PollResult:
        result: PollResult = await method(connection, cursor, http, until=until_text)
        return result

    return await _pages(ctx, code, stream, fetch)


async def poll_shipments(ctx: JobContext, code: str) -> PollSummary:
    """Ask a warehouse for shipments (the fallback when its webhooks do not come, or come
    without tracking; the only way for a CSV folder). Each report is kept as an inbound
    message (topic ``hub:shipment``) with the cursor, so it is applied, quarantined and
    replayed like any webhook; the same report twice is kept once."""
    connection, connector = _require(ctx, code, PollsShipments, "polls for shipments")
    until = utcnow().isoformat().replace("+00:00", "Z")
    http = ctx.partner_http(code)

    async def fetch(cursor: str | None) -> PollResult:
        got = await connector.poll_shipments(connection, cursor, http, until=until)
        messages = []
        for report in got.shipments:
            body = msgspec.json.encode(report)
            key = "shipment:" + hashlib.sha256(body).hexdigest()
            messages.append(PolledMessage(dedupe_key=key, body=body, topic=REPORT_TOPIC))
        return PollResult(messages=messages, cursor=got.cursor, more=got.more)

    return await _pages(ctx, code, SHIPMENT_STREAM, fetch)


async def _pages(
    ctx: JobContext,
    code: str,
    stream: str,
    fetch: Callable[[str | None], Awaitable[PollResult]],
) -> PollSummary:
    """Fetch from the stored cursor on, keeping each page with its cursor, up to MAX_PAGES."""
    row = await ctx.db.run_write(lambda conn: polls.get_sync(conn, code, stream))
    cursor = row.cursor if row else None
    pages = new = seen = 0
    while pages < MAX_PAGES:
        result = await fetch(cursor)
        added = await ctx.db.run_write(
            lambda conn, r=result: _keep_page(conn, code, r, ctx, stream=stream)
        )
        pages += 1
        new += added
        seen += len(result.messages) - added
        cursor = result.cursor
        if not result.more:
            break
    if new:
        ctx.db.signal_jobs()
    return PollSummary(pages=pages, new=new, seen=seen)


def _keep_page(
    conn: Connection, code: str, result: PollResult, ctx: JobContext, *, stream: str
) -> int:
    """Keep a page's new messages, queue their mapping and move the cursor: one transaction."""
    now = utcnow()
    kept = []
    for message in result.messages:
        message_id = ids.new_id()
        if inbound_store.keep_sync(
            conn,
            message_id=message_id,
            connection=code,
            source="poll",
            dedupe_key=message.dedupe_key,
            topic=message.topic,
            body=message.body,
            now=now,
        ):
            kept.append(message_id)
    queue_processing(conn, kept, now=now, max_attempts=ctx.settings.job_max_attempts)
    polls.set_sync(conn, code, stream, result.cursor, now=now)
    return len(kept)


async def handle_poll_job(ctx: JobContext, job: Job) -> None:
    try:
        await poll(ctx, job.payload["connection"])
    except NotFound as exc:  # no retry configures the connection
        raise FatalJobError(exc.detail) from None


async def handle_return_poll_job(ctx: JobContext, job: Job) -> None:
    try:
        await poll_returns(ctx, job.payload["connection"])
    except NotFound as exc:  # no retry configures the connection
        raise FatalJobError(exc.detail) from None


async def handle_shipment_poll_job(ctx: JobContext, job: Job) -> None:
    try:
        await poll_shipments(ctx, job.payload["connection"])
    except NotFound as exc:  # no retry configures the connection
        raise FatalJobError(exc.detail) from None


async def enqueue_due_polls(ctx: JobContext) -> list[str]:
    """Enqueue a poll for every polling connection whose interval has passed and that has
    no poll waiting or running. Returns the connection codes enqueued."""
    if ctx.connections is None:
        return []
    due: list[tuple[str, str, str, float]] = []  # (code, stream, job kind, interval)
    for connection in ctx.connections.all():
        connector = ctx.connections.connector(connection)
        if isinstance(connector, PollsOrders):
            every = ctx.connections.hub_settings(connection.code).poll_interval_seconds
            due.append((connection.code, STREAM, POLL_JOB, every))
        if isinstance(connector, PollsReturns):  # on the connection's polling schedule
            every = ctx.connections.hub_settings(connection.code).poll_interval_seconds
            due.append((connection.code, RETURN_STREAM, RETURN_POLL_JOB, every))
        if isinstance(connector, PollsShipments):
            every = ctx.connections.hub_settings(connection.code).shipment_poll_interval_seconds
            due.append((connection.code, SHIPMENT_STREAM, SHIPMENT_POLL_JOB, every))
    if not due:
        return []

    def pick(conn: Connection) -> list[str]:
        now = utcnow()
        chosen = []
        for code, stream, kind, every in due:
            row = polls.get_sync(conn, code, stream)
            if row is not None and row.polled_at + timedelta(seconds=every) > now:
                continue
            if job_store.enqueue_unless_active_sync(
                conn,
                NewJob(kind, {"connection": code}),
                now=now,
                max_attempts=ctx.settings.job_max_attempts,
            ):
                chosen.append(code)
        return chosen

    chosen = await ctx.db.run_write(pick)
    if chosen:
        ctx.db.signal_jobs()
    return chosen
