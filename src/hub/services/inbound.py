"""Partner messages in: verify, keep the raw payload once, map in a job, quarantine what fails.

A webhook is answered as soon as its raw bytes and its ``inbound.process`` job are committed;
the mapping runs in the job. The same delivery twice is one message. A payload that cannot
be mapped (unknown SKU, missing field, unmapped value) is quarantined with the reason, and
``replay`` maps it again once the mapping or catalog has been fixed: nothing is dropped.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import httpx
import msgspec
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from hub.clock import utcnow
from hub.domain import ids
from hub.domain.order import normalise
from hub.errors import Conflict, NotFound
from hub.sdk.connector import ChannelOrder, MapsMessages, VerifiesWebhooks, WebhookRequest
from hub.sdk.fulfilment import MapsEvents, PartnerEvent, ShipmentReport
from hub.sdk.http import PartnerHttp
from hub.services.channel_orders import apply_sync
from hub.services.jobs import JobContext
from hub.store import inbound as store
from hub.store import jobs as job_store
from hub.store.database import Database
from hub.store.jobs import Job, NewJob

PROCESS_JOB = "inbound.process"
REPORT_TOPIC = "hub:shipment"  # a ShipmentReport a shipment poll kept (services/polling)
#: headers never kept with a message (credentials, not evidence)
_DROP_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})


class UnknownConnection(NotFound):
    pass


@dataclass(frozen=True, slots=True)
class Received:
    status: str  # accepted, duplicate, ignored
    inbound_id: str | None = None


def _keep_headers(headers: dict[str, str]) -> str:
    kept = {k: v for k, v in headers.items() if k not in _DROP_HEADERS}
    return msgspec.json.encode(kept).decode()


async def receive_webhook(
    db: Database,
    connector: VerifiesWebhooks,
    connection: Any,
    request: WebhookRequest,
    *,
    max_attempts: int,
) -> Received:
    """Verify (``SignatureError`` propagates: keep nothing), dedupe, store, enqueue."""
    connector.verify(connection, request)
    info = connector.describe(connection, request)
    if info.ignore:
        return Received("ignored")
    dedupe = info.dedupe_key or "sha256:" + hashlib.sha256(request.body).hexdigest()
    message_id = ids.new_id()

    def keep(conn: Connection) -> bool:
        if store.exists_sync(conn, connection.code, dedupe):
            return False
        now = utcnow()
        store.insert_sync(
            conn,
            {
                "id": message_id,
                "connection": connection.code,
                "source": "webhook",
                "dedupe_key": dedupe[:200],
                "topic": info.topic,
                "received_at": now,
                "updated_at": now,
                "status": "received",
                "reason": None,
                "order_ids": None,
                "headers": _keep_headers(request.headers),
                "body": request.body,
            },
        )
        job_store.enqueue_sync(
            conn,
            [NewJob(PROCESS_JOB, {"inbound_id": message_id})],
            now=now,
            max_attempts=max_attempts,
        )
        return True

    try:
        stored = await db.run_write(keep)
    except IntegrityError:  # the same delivery, committed by a concurrent request
        stored = False
    if not stored:
        return Received("duplicate")
    db.signal_jobs()
    return Received("accepted", message_id)


async def process(ctx: JobContext, message_id: str) -> str:
    """Map one stored message into orders; returns its new status."""
    row = await ctx.db.run_write(lambda conn: store.get_row_sync(conn, message_id))
    if row is None:
        raise NotFound(f"no inbound message {message_id}")
    if row.status == "processed":
        return "processed"
    connection = ctx.connections.get(row.connection) if ctx.connections else None
    connector = ctx.connections.connector(connection) if connection else None
    if connector is None:
        return await _quarantine(
            ctx.db, message_id, f"connection {row.connection!r} or its connector is not configured"
        )
    if row.topic == REPORT_TOPIC or (
        not isinstance(connector, MapsMessages) and isinstance(connector, MapsEvents)
    ):
        return await _process_events(ctx, row, connection, connector)
    client = ctx.http or httpx.AsyncClient(base_url=connection.base_url or "")
    try:
        reported: list[ChannelOrder] = await connector.orders_from_message(
            connection, row.body, row.topic, PartnerHttp(client)
        )
        for r in reported:
            normalise(r.order)  # fail here, before anything is written
    except (ValueError, msgspec.MsgspecError) as exc:
        return await _quarantine(ctx.db, message_id, str(exc) or type(exc).__name__)
    finally:
        if ctx.http is None:
            await client.aclose()

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


async def _process_events(ctx: JobContext, row: Any, connection: Any, connector: Any) -> str:
    """A warehouse's or carrier's message: shipments, tracking news, cancellations."""
    from hub.services.fulfilment import shipments  # imports this module's users

    client = ctx.http or httpx.AsyncClient(base_url=connection.base_url or "")
    try:
        if row.topic == REPORT_TOPIC:  # a polled report, kept as the hub encoded it
            events: list[PartnerEvent] = [msgspec.json.decode(row.body, type=ShipmentReport)]
        else:
            events = await connector.events_from_message(
                connection, row.body, row.topic, PartnerHttp(client)
            )
    except (ValueError, msgspec.MsgspecError) as exc:
        return await _quarantine(ctx.db, row.id, str(exc) or type(exc).__name__)
    finally:
        if ctx.http is None:
            await client.aclose()

    def apply(conn: Connection) -> list[str]:
        order_ids = shipments.apply_events(conn, events, connection=row.connection)
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


async def handle_process_job(ctx: JobContext, job: Job) -> None:
    await process(ctx, job.payload["inbound_id"])


async def replay(ctx: JobContext, message_id: str) -> str:
    """Map a quarantined message again, now (in this process, with its current mappings)."""
    async with ctx.db.read() as conn:
        found = await store.get(conn, message_id)
    if found is None:
        raise NotFound(f"no inbound message {message_id}")
    if found[0].status == "processed":
        raise Conflict(f"inbound message {message_id} was processed already")
    return await process(ctx, message_id)


async def list_messages(
    db: Database, *, status: str | None, connection: str | None, after: str | None, limit: int
) -> list[store.InboundMessage]:
    async with db.read() as conn:
        return await store.list_messages(
            conn, status=status, connection=connection, after=after, limit=limit
        )
