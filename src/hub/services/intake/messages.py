"""The ``inbound.process`` job: map a kept message into orders, or quarantine it; replay.

Every partner message (a webhook, a polled page's document, a polled shipment report) is
kept raw first (``intake/webhooks``, ``intake/polling``) and mapped here, in a job. A
channel's message becomes orders (``intake/channel_orders``); a warehouse's or carrier's
becomes shipments, tracking and cancellations (``services/fulfilment``). A payload that cannot
be mapped (unknown SKU, missing field, unmapped value) is quarantined with the reason, and
``replay`` maps it again once the mapping or catalog has been fixed: nothing is dropped.
Every quarantine reason is kept with who mapped it (``reasons``). A replay maps the stored
bytes (their signature was checked on receipt), so it needs no webhook secret; it refuses,
changing nothing, a message whose connection this process does not know.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import Connection, Row

from hub.clock import utcnow
from hub.connections import NotConfigured
from hub.domain.order import normalise
from hub.domain.webhooks import EventType
from hub.errors import Conflict, NotFound
from hub.sdk.connector import ChannelOrder, MapsMessages
from hub.sdk.fulfilment import MapsEvents, PartnerEvent, ShipmentReport
from hub.sdk.returns import ReportsReturns
from hub.services import subscriptions as webhooks
from hub.services.fulfilment.shipments import apply_events
from hub.services.intake.channel_orders import apply_sync
from hub.services.intake.return_reports import ReportRefused, apply_reports
from hub.services.jobs import JobContext
from hub.store import inbound as store
from hub.store import jobs as job_store
from hub.store.database import Database
from hub.store.inbound import InboundMessage, QuarantineReason
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


async def process(ctx: JobContext, message_id: str, *, actor: str = "worker") -> str:
    """Map one stored message into orders; returns its new status. ``actor`` (who maps it)
    is kept with a quarantine reason."""
    row = await ctx.db.run_write(lambda conn: store.get_row_sync(conn, message_id))
    if row is None:
        raise NotFound(f"no inbound message {message_id}")
    if row.status == "processed":
        return "processed"
    found = _connector(ctx, row.connection)
    if found is None:
        return await _quarantine(
            ctx.db,
            message_id,
            f"connection {row.connection!r} or its connector is not configured",
            actor,
        )
    connection, connector = found
    if isinstance(connector, ReportsReturns) and connector.reports_returns(row.topic):
        return await _process_returns(ctx, row, connection, connector, actor)
    if row.topic == REPORT_TOPIC or (
        not isinstance(connector, MapsMessages) and isinstance(connector, MapsEvents)
    ):
        return await _process_events(ctx, row, connection, connector, actor)
    try:
        reported: list[ChannelOrder] = await connector.orders_from_message(
            connection, row.body, row.topic, ctx.partner_http(connection.code)
        )
        for r in reported:
            normalise(r.order)  # fail here, before anything is written
    except (ValueError, msgspec.MsgspecError, RecursionError) as exc:
        return await _quarantine(ctx.db, message_id, _why(exc), actor)

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


async def _process_events(
    ctx: JobContext, row: Row[Any], connection: Any, connector: Any, actor: str
) -> str:
    """A warehouse's or carrier's message: shipments, tracking news, cancellations."""
    try:
        if row.topic == REPORT_TOPIC:  # a polled report, kept as the hub encoded it
            events: list[PartnerEvent] = [msgspec.json.decode(row.body, type=ShipmentReport)]
        else:
            events = await connector.events_from_message(
                connection, row.body, row.topic, ctx.partner_http(connection.code)
            )
    except (ValueError, msgspec.MsgspecError, RecursionError) as exc:
        return await _quarantine(ctx.db, row.id, _why(exc), actor)

    def apply(conn: Connection) -> list[str]:
        order_ids = apply_events(conn, events, connection=row.connection)
        store.mark_sync(
            conn, row.id, status="processed", now=utcnow(), order_ids=sorted(set(order_ids))
        )
        return order_ids

    try:
        await ctx.db.run_write(apply)
    except LookupError as exc:  # a shipment of a fulfilment the hub does not know (yet)
        return await _quarantine(ctx.db, row.id, str(exc), actor)
    ctx.db.signal_jobs()
    return "processed"


async def _process_returns(
    ctx: JobContext, row: Row[Any], connection: Any, connector: ReportsReturns, actor: str
) -> str:
    """A channel's return or refund report: a hub return opened or moved, a refund recorded
    (``services/returns/channel_reports``); one it cannot apply is quarantined."""
    try:
        reports = await connector.returns_from_message(
            connection, row.body, row.topic, ctx.partner_http(connection.code)
        )
    except (ValueError, msgspec.MsgspecError, RecursionError) as exc:
        return await _quarantine(ctx.db, row.id, _why(exc), actor)

    def apply(conn: Connection) -> None:
        order_ids = apply_reports(
            conn, reports, channel=row.connection, actor=f"channel:{row.connection}"
        )
        store.mark_sync(conn, row.id, status="processed", now=utcnow(), order_ids=order_ids)

    try:
        await ctx.db.run_write(apply)
    except ReportRefused as exc:
        return await _quarantine(ctx.db, row.id, str(exc), actor)
    ctx.db.signal_jobs()
    return "processed"


def _why(exc: BaseException) -> str:
    """The quarantine reason for a payload that could not be mapped."""
    if isinstance(exc, RecursionError):  # the same on every attempt: never worth a retry
        return f"the payload is nested too deeply to read ({exc})"
    return str(exc) or type(exc).__name__


async def _quarantine(db: Database, message_id: str, reason: str, actor: str) -> str:
    def mark(conn: Connection) -> None:
        now = utcnow()
        store.mark_sync(
            conn, message_id, status="quarantined", now=now, reason=reason[:2000], actor=actor
        )
        data = {"message_id": message_id, "reason": reason[:2000], "actor": actor}
        webhooks.emit_sync(conn, EventType.INBOUND_QUARANTINED, [(data, now)])

    await db.run_write(mark)
    return "quarantined"


async def replay(ctx: JobContext, message_id: str, *, actor: str) -> str:
    """Map a quarantined message again, now (in this process, with its current mappings).
    A message whose connection this process does not know is refused and left as it was."""
    message, _ = await get_message(ctx.db, message_id)
    if message.status == "processed":
        raise Conflict(f"inbound message {message_id} was processed already")
    if _connector(ctx, message.connection) is None:
        raise Conflict(
            f"connection {message.connection!r} is not configured here (HUB_CONFIG); "
            f"inbound message {message_id} is left as it was"
        )
    return await process(ctx, message_id, actor=actor)


async def get_message(db: Database, message_id: str) -> tuple[InboundMessage, bytes]:
    """One kept message and its raw payload; ``NotFound`` if there is none."""
    async with db.read() as conn:
        found = await store.get(conn, message_id)
    if found is None:
        raise NotFound(f"no inbound message {message_id}")
    return found


async def reasons(db: Database, message_id: str) -> list[QuarantineReason]:
    """Every reason the message was quarantined for, oldest first."""
    async with db.read() as conn:
        return await store.reasons(conn, message_id)


async def list_messages(
    db: Database,
    *,
    status: str | Sequence[str] | None,
    connection: str | Sequence[str] | None,
    after: str | None,
    limit: int,
) -> list[InboundMessage]:
    async with db.read() as conn:
        return await store.list_messages(
            conn, status=status, connection=connection, after=after, limit=limit
        )
