"""Fulfilments written for a routing decision, sent to their partner, and cancelled.

- ``fulfilment_rows``: one fulfilment per location of a routing decision (routing inserts
  them, a batch at a time); a location with a connection gets a ``fulfilment.send`` job.
- ``send``: the partner (``FulfilsOrders``) gets the fulfilment, idempotent on its id; the
  fulfilment is ``accepted`` with the partner's reference.
- ``cancel_open``: the order is cancelled; its open fulfilments end, those at a partner
  are cancelled there by a ``fulfilment.cancel`` job (``cancel_at_partner``). A partner
  that refuses, or that cancels on its own (``partner_cancelled``), flags the order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from hub.clock import utcnow
from hub.connections import NotConfigured
from hub.domain import ids
from hub.domain.fulfilment import STILL_OPEN, FulfilmentStatus
from hub.domain.lifecycle import EventKind
from hub.domain.order import Line, Order
from hub.domain.routing import Decision
from hub.sdk import (
    FatalError,
    FulfilmentAccepted,
    FulfilmentCancelled,
    FulfilmentLine,
    FulfilmentRequest,
    FulfilsOrders,
    RetriableError,
)
from hub.services.fulfilment import JOB_ATTEMPTS
from hub.services.jobs import FatalJobError, JobContext, RetryLater
from hub.store import fulfilment as store
from hub.store import jobs as job_store
from hub.store import orders as order_store
from hub.store import routing as routing_store
from hub.store.jobs import NewJob

SEND_JOB = "fulfilment.send"  # payload: fulfilment_id
CANCEL_JOB = "fulfilment.cancel"  # payload: fulfilment_id

F = FulfilmentStatus


@dataclass(slots=True)
class Opened:
    """Fulfilments ready to insert (a batch of routing decisions): rows, lines, send jobs."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    jobs: list[NewJob] = field(default_factory=list)


def fulfilment_rows(
    order: Order,
    decision: Decision,
    source: dict[str, Line],
    served_by: dict[str, str | None],
    *,
    now: datetime,
    into: Opened,
) -> list[dict[str, Any]]:
    """Add one open fulfilment per allocation of ``decision`` to ``into``; returns what the
    timeline says of these (id, location, lines)."""
    made = []
    for allocation in decision.allocations:
        fid = ids.new_id()
        connection = served_by.get(allocation.location)
        into.rows.append(
            {
                "id": fid,
                "order_id": order.id,
                "location": allocation.location,
                "connection": connection,
                "status": F.OPEN.value,
                "partner_ref": None,
                "rule": decision.rule,
                "service_level": order.shipping.service_level,
                "created_at": now,
                "updated_at": now,
            }
        )
        into.lines += [
            {
                "fulfilment_id": fid,
                "position": i,
                "sku": ln.sku,
                "line_id": ln.line_id,
                "name": source[ln.sku].name if ln.sku in source else None,
                "quantity": ln.quantity,
                "shipped": 0,
            }
            for i, ln in enumerate(allocation.lines, start=1)
        ]
        made.append(
            {
                "id": fid,
                "location": allocation.location,
                "lines": [{"sku": ln.sku, "quantity": ln.quantity} for ln in allocation.lines],
            }
        )
        if connection is not None:
            into.jobs.append(NewJob(SEND_JOB, {"fulfilment_id": fid}))
    return made


def request_for(conn: Connection, fulfilment: Any) -> FulfilmentRequest:
    """What a partner is sent for ``fulfilment`` (a stored row)."""
    order = order_store.load(conn, fulfilment.order_id)
    lines_by_sku = {ln.sku: ln for ln in order.lines}
    return FulfilmentRequest(
        id=fulfilment.id,
        idempotency_key=fulfilment.id,
        order_id=order.id,
        order_number=order.number,
        channel=order.channel or "",
        external_id=order.external_id or order.number,
        placed_at=order.placed_at or order.received_at,
        location=fulfilment.location,
        ship_to=order.shipping_address,
        customer=order.customer,
        lines=[
            FulfilmentLine(
                sku=p.sku,
                quantity=p.quantity,
                name=p.name,
                line_id=p.line_id,
                unit_price=lines_by_sku[p.sku].unit_price if p.sku in lines_by_sku else 0,
            )
            for p in store.lines(conn, fulfilment.id)
        ],
        currency=order.currency,
        total=order.totals.total,
        service_level=fulfilment.service_level,
        carrier=fulfilment.carrier,
        service=fulfilment.service,
    )


async def _read(ctx: JobContext, fulfilment_id: str) -> tuple[Any, FulfilmentRequest]:
    def read(conn: Connection) -> tuple[Any, FulfilmentRequest] | None:
        row = store.get(conn, fulfilment_id)
        return None if row is None else (row, request_for(conn, row))

    async with ctx.db.read() as aconn:
        found = await aconn.run_sync(read)
    if found is None:
        raise FatalJobError(f"no fulfilment {fulfilment_id}")
    return found


def _fulfils_orders(ctx: JobContext, code: str | None) -> tuple[Any, Any]:
    try:
        return ctx.connections.require(code, FulfilsOrders)
    except NotConfigured as exc:
        raise FatalJobError(str(exc)) from None


async def send(ctx: JobContext, fulfilment_id: str) -> None:
    fulfilment, request = await _read(ctx, fulfilment_id)
    if fulfilment.status != F.OPEN:
        return  # sent already, or cancelled meanwhile
    connection, connector = _fulfils_orders(ctx, fulfilment.connection)
    try:
        accepted: FulfilmentAccepted = await connector.create_fulfilment(
            connection, request, ctx.partner_http(connection.code)
        )
    except RetriableError as exc:
        raise RetryLater.after(exc) from None

    def record(conn: Connection) -> None:
        now = utcnow()
        moved = store.move(
            conn,
            fulfilment_id,
            from_status=F.OPEN,
            to_status=F.ACCEPTED,
            now=now,
            partner_ref=accepted.partner_ref,
        )
        if not moved:
            return  # cancelled or shipped meanwhile
        order_store.add_note(
            conn,
            fulfilment.order_id,
            EventKind.FULFILMENT_SENT,
            {
                "fulfilment": fulfilment_id,
                "location": fulfilment.location,
                "partner_ref": accepted.partner_ref,
            },
            actor=f"connection:{fulfilment.connection}",
            now=now,
        )

    await ctx.db.run_write(record)


def cancel_open(conn: Connection, order_id: str, *, now: datetime) -> list[str]:
    """The order is cancelled: end its open fulfilments; those at a partner are
    cancelled there by a job. Returns the fulfilment ids cancelled."""
    cancelled = []
    jobs = []
    for f in store.of_order(conn, order_id):
        if f.status not in STILL_OPEN:
            continue
        if not store.move(conn, f.id, from_status=f.status, to_status=F.CANCELLED, now=now):
            continue
        cancelled.append(f.id)
        if f.connection is not None and f.status != F.OPEN:
            jobs.append(NewJob(CANCEL_JOB, {"fulfilment_id": f.id}))
    job_store.enqueue_sync(conn, jobs, now=now, max_attempts=JOB_ATTEMPTS)
    routing_store.stop_waiting(conn, [order_id])
    return cancelled


async def cancel_at_partner(ctx: JobContext, fulfilment_id: str) -> None:
    fulfilment, request = await _read(ctx, fulfilment_id)
    connection, connector = _fulfils_orders(ctx, fulfilment.connection)
    try:
        await connector.cancel_fulfilment(
            connection, request, fulfilment.partner_ref, ctx.partner_http(connection.code)
        )
    except RetriableError as exc:
        raise RetryLater.after(exc) from None
    except FatalError as exc:  # e.g. shipped already: an operator must look, once
        reason = f"cancel at partner refused: {exc}"
        await ctx.db.run_write(
            lambda conn: order_store.flag_attention(
                conn,
                fulfilment.order_id,
                reason,
                actor=f"connection:{fulfilment.connection}",
                now=utcnow(),
                kind=EventKind.FULFILMENT_CANCEL_REFUSED,
            )
        )
        raise FatalJobError(reason) from None


def partner_cancelled(
    conn: Connection, event: FulfilmentCancelled, *, connection: str, now: datetime
) -> str | None:
    """The partner cancelled a fulfilment on its own: it ends, and the order is flagged.
    Returns the order id, or None when there was nothing open to cancel."""
    f = store.find_by_reference(conn, connection, event.fulfilment_ref)
    if f is None or f.status not in STILL_OPEN:
        return None
    if not store.move(conn, f.id, from_status=f.status, to_status=F.CANCELLED, now=now):
        return None
    order_store.flag_attention(
        conn,
        f.order_id,
        f"the partner cancelled fulfilment {f.id}: {event.detail or ''}".strip(),
        actor=f"connection:{connection}",
        now=now,
        kind=EventKind.FULFILMENT_CANCELLED,
    )
    return f.order_id
