"""The ``inbound.process`` job: map a kept message into orders, or quarantine it; replay.

Every partner message (a webhook, a polled page's document, a polled shipment report) is
kept raw first (``intake/webhooks``, ``intake/polling``) and mapped here, in a job. A
channel's message becomes orders (``intake/channel_orders``); a warehouse's or carrier's
becomes shipments, tracking and cancellations (``services/fulfilment``). A payload that cannot
be mapped (unknown SKU, missing field, unmapped value) is quarantined with the reason, and
``replay`` maps it again once the mapping or catalog has been fixed: nothing is dropped.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import Connection, Row

from hub.clock import utcnow
from hub.connections import NotConfigured
from hub.domain.order import normalise
from hub.errors import Conflict, NotFound
from hub.sdk.connector import ChannelOrder, MapsMessages
from hub.sdk.fulfilment import MapsEvents, PartnerEvent, ShipmentReport
from hub.services.fulfilment.shipments import apply_events
from hub.services.intake.channel_orders import apply_sync
from hub.services.jobs import JobContext
from hub.store import inbound as store
from hub.store import jobs as job_store
from hub.store.database import Database
from hub.store.inbound import InboundMessage
from hub.store.jobs import Job, NewJob

PROCESS_JOB = "inbound.process"
REPORT_TOPIC = "hub:shipment"  # a ShipmentReport a shipment poll kept (intake/polling)


def queue_processing(
    conn: Connection, message_ids: list[str], *, now: datetime, max_attempts: int
) -> None:
    """Queue the ``inbound.process`` job of each kept message, in the caller's transaction."""
    job_store.enqueue_sync(
        conn,
        [NewJob(PROCESS_JOB, {"inbound_id": i}) for i in message_ids],
        now=now,
        max_attempts=max_attempts,
    )


async def handle_process_job(ctx: JobContext, job: Job) -> None:
    await process(ctx, job.payload["inbound_id"])


async def process(ctx: JobContext, message_id: str) -> str:
    """Map one stored message into orders; returns its new status."""
    row = await ctx.db.run_write(lambda conn: store.get_row_sync(conn, message_id))
    if row is None:
        raise NotFound(f"no inbound message {message_id}")
    if row.status == "processed":
        return "processed"
    found = _connector(ctx, row.connection)
    if found is None:
        return await _quarantine(
            ctx.db, message_id, f"connection {row.connection!r} or its connector is not configured"
        )
    connection, connector = found
    if row.topic == REPORT_TOPIC or (
        not isinstance(connector, MapsMessages) and isinstance(connector, MapsEvents)
    ):
        return await _process_events(ctx, row, connection, connector)
    try:
        reported: list[ChannelOrder] = await connector.orders_from_message(
            connection, row.body, row.topic, ctx.partner_http(connection.code)
        )
        for r in reported:
            normalise(r.order)  # fail here, before anything is written
    except (ValueError, msgspec.MsgspecError) as exc:
        return await _quarantine(ctx.db, message_id, str(exc) or type(exc).__name__)

    def apply(conn: Connection) -> list[str]:
        now = utcnow()
        order_ids = [
            apply_sync(
                conn,
                r,
                actor=f"channel:{row.connection}",
                now=now,
                max_attempts=ctx.settings.job_max_attempts,
            ).order_id
            for r in reported
        ]
        store.mark_sync(conn, message_id, status="processed", now=now, order_ids=order_ids)
        return order_ids

    await ctx.db.run_write(apply)
    ctx.db.signal_jobs()
    return "processed"


def _connector(ctx: JobContext, code: str) -> tuple[Any, Any] | None:
    if ctx.connections is None:
        return None
    try:
        return ctx.connections.require(code)
    except NotConfigured:
        return None


async def _process_events(ctx: JobContext, row: Row[Any], connection: Any, connector: Any) -> str:
    """A warehouse's or carrier's message: shipments, tracking news, cancellations."""
    try:
        if row.topic == REPORT_TOPIC:  # a polled report, kept as the hub encoded it
            events: list[PartnerEvent] = [msgspec.json.decode(row.body, type=ShipmentReport)]
        else:
            events = await connector.events_from_message(
                connection, row.body, row.topic, ctx.partner_http(connection.code)
            )
    except (ValueError, msgspec.MsgspecError) as exc:
        return await _quarantine(ctx.db, row.id, str(exc) or type(exc).__name__)

    def apply(conn: Connection) -> list[str]:
        order_ids = apply_events(conn, events, connection=row.connection)
        store.mark_sync(
            conn, row.id, status="processed", now=utcnow(), order_ids=sorted(set(order_ids))
        )
        return order_ids

    try:
        await ctx.db.run_write(apply)
    except LookupError as exc:  # a shipment of a fulfilment the hub does not know (yet)
        return await _quarantine(ctx.db, row.id, str(exc))
    ctx.db.signal_jobs()
    return "processed"


async def _quarantine(db: Database, message_id: str, reason: str) -> str:
    await db.run_write(
        lambda conn: store.mark_sync(
            conn, message_id, status="quarantined", now=utcnow(), reason=reason[:2000]
        )
    )
    return "quarantined"


async def replay(ctx: JobContext, message_id: str) -> str:
    """Map a quarantined message again, now (in this process, with its current mappings)."""
    message, _ = await get_message(ctx.db, message_id)
    if message.status == "processed":
        raise Conflict(f"inbound message {message_id} was processed already")
    return await process(ctx, message_id)


async def get_message(db: Database, message_id: str) -> tuple[InboundMessage, bytes]:
    """One kept message and its raw payload; ``NotFound`` if there is none."""
    async with db.read() as conn:
        found = await store.get(conn, message_id)
    if found is None:
        raise NotFound(f"no inbound message {message_id}")
    return found


async def list_messages(
    db: Database, *, status: str | None, connection: str | None, after: str | None, limit: int
) -> list[InboundMessage]:
    async with db.read() as conn:
        return await store.list_messages(
            conn, status=status, connection=connection, after=after, limit=limit
        )
