"""A parcel back to the channel the order came from (``shipment.push``): the channel's own
lines it carries, carrier and tracking number, and whether the order is now complete.
A channel that takes no shipments (call centre, point of sale) is skipped, and so is an order
the channel never sent (a complaint's reship: it has no order of that id to fulfil)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from hub.clock import utcnow
from hub.connections import NotConfigured
from hub.domain.fulfilment import FulfilmentStatus
from hub.domain.lifecycle import EventKind
from hub.domain.order import Order
from hub.sdk import ChannelShipment, PushesShipments, RetriableError, ShippedLine
from hub.services.fulfilment import JOB_ATTEMPTS
from hub.services.jobs import FatalJobError, JobContext, RetryLater
from hub.store import fulfilment as store
from hub.store import jobs as job_store
from hub.store import orders as order_store
from hub.store.jobs import NewJob

PUSH_JOB = "shipment.push"  # payload: shipment_id


def queue_push(conn: Connection, shipment_id: str, now: datetime) -> None:
    job_store.enqueue_sync(
        conn, [NewJob(PUSH_JOB, {"shipment_id": shipment_id})], now=now, max_attempts=JOB_ATTEMPTS
    )


def channel_lines(order: Order, parts: dict[str, int]) -> list[ShippedLine]:
    """The channel's own lines a parcel carrying ``parts`` (stock SKU -> units) holds, each
    at most its ordered quantity; when no order line matches (aliases, bundles) what
    shipped by stock SKU."""
    left = dict(parts)
    out = []
    for ln in order.lines:
        n = min(ln.quantity, left.get(ln.sku, 0))
        if n > 0:
            left[ln.sku] -= n
            out.append(ShippedLine(sku=ln.sku, quantity=n, line_id=ln.line_id))
    if not out:
        out = [ShippedLine(sku=s, quantity=q) for s, q in sorted(parts.items())]
    return out


def _read(
    conn: Connection, shipment_id: str
) -> tuple[Any, Order, dict[str, int], bool, bool] | None:
    parcel = store.shipment_by_id(conn, shipment_id)
    if parcel is None:
        return None
    order = order_store.load(conn, parcel.order_id)
    parts = store.shipment_parts(conn, [shipment_id])[shipment_id]
    live = [f.id for f in store.of_order(conn, order.id) if f.status != FulfilmentStatus.CANCELLED]
    complete = all(
        ln.shipped >= ln.quantity for lines in store.lines_of(conn, live).values() for ln in lines
    )
    reship = order_store.link_kind(conn, order.id) in ("reship", "exchange")
    return parcel, order, parts, complete, reship


async def push_shipment(ctx: JobContext, shipment_id: str) -> str:
    """Tell the order's channel about the parcel; returns what happened."""
    async with ctx.db.read() as aconn:
        found = await aconn.run_sync(_read, shipment_id)
    if found is None:
        raise FatalJobError(f"no shipment {shipment_id}")
    parcel, order, parts, complete, reship = found
    if reship:
        return "skipped"  # the channel never sent this order: nothing of it to fulfil there
    try:
        connection, connector = ctx.connections.require(order.channel, PushesShipments)
    except NotConfigured:
        return "skipped"  # the channel takes no shipments (call centre, POS)
    shipment = ChannelShipment(
        shipment_id=shipment_id,
        external_id=order.external_id or order.number,
        external_number=order.external_number,
        lines=channel_lines(order, parts),
        carrier=parcel.carrier,
        service=parcel.service,
        tracking_number=parcel.tracking_number,
        tracking_url=parcel.tracking_url,
        shipped_at=parcel.shipped_at,
        complete=complete,
    )
    try:
        await connector.push_shipment(connection, shipment, ctx.partner_http(connection.code))
    except RetriableError as exc:
        raise RetryLater.after(exc) from None
    await ctx.db.run_write(
        lambda conn: order_store.add_note(
            conn,
            order.id,
            EventKind.SHIPMENT_CONFIRMED,
            {"shipment": shipment_id, "tracking_number": parcel.tracking_number},
            actor=f"connection:{order.channel}",
            now=utcnow(),
        )
    )
    return "pushed"
