"""``return.refund``: a return's refund sent to its channel once, then recorded.

The connector finds a refund it made before for the same return (Shopify: the refund's
note; WooCommerce: the refund's reason) and sends nothing again, so a job retried after the
channel made the refund but before the hub recorded it refunds once. A return whose refund
is recorded already is left alone (the job run again, a replay).
"""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy import Connection

from hub.domain.order import Order
from hub.sdk import ChannelRefund, RefundLine
from hub.services.jobs import FatalJobError, JobContext
from hub.services.payments.on_channel import refund_on_channel
from hub.services.returns.refunds import record_refund
from hub.store import orders as order_store
from hub.store import returns as store
from hub.store.jobs import Job


def _read(conn: Connection, return_id: str) -> tuple[Any, Order, list[Any]] | None:
    row = store.get(conn, return_id)
    if row is None:
        return None
    return row, order_store.load(conn, row.order_id), store.lines_of(conn, [return_id])[return_id]


def channel_refund(row: Any, order: Order, lines: list[Any]) -> ChannelRefund:
    detail = msgspec.json.decode(row.refund_detail) if row.refund_detail else {}
    shipping = int(detail.get("shipping", 0))
    return ChannelRefund(
        refund_id=row.id, external_id=order.external_id or order.number,
        external_number=order.external_number, currency=order.currency,
        amount=row.refund_amount, shipping=shipping,
        lines=[RefundLine(sku=ln.sku, quantity=ln.received, line_id=ln.line_id)
               for ln in lines if ln.received],
        note=f"hub return {row.id}",
    )  # fmt: skip


async def send_refund(ctx: JobContext, return_id: str) -> str:
    """Refund on the channel (once) and record it; what happened."""
    async with ctx.db.read() as aconn:
        found = await aconn.run_sync(_read, return_id)
    if found is None:
        raise FatalJobError(f"no return {return_id}")
    row, order, lines = found
    if row.refund_state != "queued":
        return "done already"
    sent = await refund_on_channel(ctx, row.channel, channel_refund(row, order, lines))
    actor = f"connection:{row.channel}"
    await ctx.db.run_write(lambda conn: record_refund(conn, return_id, sent.reference, actor=actor))
    return "found" if sent.already else "sent"


async def handle_refund_job(ctx: JobContext, job: Job) -> None:
    await send_refund(ctx, job.payload["return_id"])
