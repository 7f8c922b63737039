"""Polling channels for orders: pages kept as inbound messages, the cursor committed with them.

A poll asks the connector for orders changed since the stored cursor, up to the time the run
started less a look-back for clock skew (``lookback_seconds``, default 120; Amazon requires at
least two minutes anyway). Every page is kept in one transaction: its messages (deduplicated
by connection and the message's version key), their ``inbound.process`` jobs, and the new
cursor. A crash between pages loses nothing and repeats nothing that counts: the next run
starts from the last committed cursor, and a re-fetched version is the same message.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

import msgspec
from sqlalchemy import Connection

from hub.clock import utcnow
from hub.domain import ids
from hub.errors import NotFound
from hub.sdk.connector import PolledMessage, PollResult, PollsOrders
from hub.sdk.fulfilment import PollsShipments
from hub.sdk.http import PartnerHttp
from hub.services.inbound import PROCESS_JOB, REPORT_TOPIC
from hub.services.jobs import JobContext
from hub.store import inbound as inbound_store
from hub.store import jobs as job_store
from hub.store import polls
from hub.store.jobs import Job, NewJob

POLL_JOB = "poll.orders"
STREAM = "orders"
SHIPMENT_POLL_JOB = "poll.shipments"
SHIPMENT_STREAM = "shipments"

MAX_PAGES = 100


@dataclass(frozen=True, slots=True)
class PollSummary:
    pages: int
    new: int
    seen: int


async def poll(ctx: JobContext, code: str) -> PollSummary:
    connection = ctx.connections.get(code) if ctx.connections else None
    connector = ctx.connections.connector(connection) if connection else None
    if connection is None or not isinstance(connector, PollsOrders):
        raise NotFound(f"no connection {code!r} that polls for orders")
    started = utcnow()
    until = started - timedelta(seconds=ctx.connections.hub_settings(code).lookback_seconds)
    until_text = until.isoformat().replace("+00:00", "Z")
    row = await ctx.db.run_write(lambda conn: polls.get_sync(conn, code, STREAM))
    cursor = row.cursor if row else None
    http = PartnerHttp(ctx.http) if ctx.http else None
    if http is None:
        raise RuntimeError("polling needs the hub's HTTP client")
    pages = new = seen = 0
    while pages < MAX_PAGES:
        result = await connector.poll_orders(connection, cursor, http, until=until_text)
        added = await ctx.db.run_write(lambda conn, r=result: _keep_page(conn, code, r, ctx))
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
    conn: Connection, code: str, result: PollResult, ctx: JobContext, *, stream: str = STREAM
) -> int:
    now = utcnow()
    added = 0
    new_jobs: list[NewJob] = []
    for message in result.messages:
        key = message.dedupe_key[:200]
        if inbound_store.exists_sync(conn, code, key):
            continue
        message_id = ids.new_id()
        inbound_store.insert_sync(
            conn,
            {
                "id": message_id,
                "connection": code,
                "source": "poll",
                "dedupe_key": key,
                "topic": message.topic,
                "received_at": now,
                "updated_at": now,
                "status": "received",
                "reason": None,
                "order_ids": None,
                "headers": "{}",
                "body": message.body,
            },
        )
        new_jobs.append(NewJob(PROCESS_JOB, {"inbound_id": message_id}))
        added += 1
    job_store.enqueue_sync(conn, new_jobs, now=now, max_attempts=ctx.settings.job_max_attempts)
    polls.set_sync(conn, code, stream, result.cursor, now=now)
    return added


async def handle_poll_job(ctx: JobContext, job: Job) -> None:
    await poll(ctx, job.payload["connection"])


async def poll_shipments(ctx: JobContext, code: str) -> PollSummary:
    """Ask a warehouse for shipments (the fallback when its webhooks do not come, or come
    without tracking; the only way for a CSV folder). Each report is kept as an inbound
    message (topic ``hub:shipment``) with the cursor, so it is applied, quarantined and
    replayed like any webhook; the same report twice is kept once."""
    connection = ctx.connections.get(code) if ctx.connections else None
    connector = ctx.connections.connector(connection) if connection else None
    if connection is None or not isinstance(connector, PollsShipments):
        raise NotFound(f"no connection {code!r} that polls for shipments")
    until = utcnow().isoformat().replace("+00:00", "Z")
    row = await ctx.db.run_write(lambda conn: polls.get_sync(conn, code, SHIPMENT_STREAM))
    cursor = row.cursor if row else None
    if ctx.http is None:
        raise RuntimeError("polling needs the hub's HTTP client")
    http = PartnerHttp(ctx.http)
    pages = new = seen = 0
    while pages < MAX_PAGES:
        got = await connector.poll_shipments(connection, cursor, http, until=until)
        messages = []
        for report in got.shipments:
            body = msgspec.json.encode(report)
            key = "shipment:" + hashlib.sha256(body).hexdigest()
            messages.append(PolledMessage(dedupe_key=key, body=body, topic=REPORT_TOPIC))
        result = PollResult(messages=messages, cursor=got.cursor, more=got.more)
        added = await ctx.db.run_write(
            lambda conn, r=result: _keep_page(conn, code, r, ctx, stream=SHIPMENT_STREAM)
        )
        pages += 1
        new += added
        seen += len(messages) - added
        cursor = got.cursor
        if not got.more:
            break
    if new:
        ctx.db.signal_jobs()
    return PollSummary(pages=pages, new=new, seen=seen)


async def handle_shipment_poll_job(ctx: JobContext, job: Job) -> None:
    await poll_shipments(ctx, job.payload["connection"])


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
