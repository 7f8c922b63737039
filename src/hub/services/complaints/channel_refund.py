"""``complaint.refund``: a complaint's ``refund`` outcome sent to the order's channel once,
along the returns' path (``hub.sdk.RefundsOrders``: Shopify ``refundCreate``, WooCommerce
``POST orders/{id}/refunds``), then recorded as a refund transaction on the order.

The refund's id on the channel side is ``complaint:<id>``: the connector finds a refund it
made before for it (Shopify: the refund's note; WooCommerce: its reason) and sends nothing
again, so a job retried after the channel made the refund but before the hub recorded it
refunds once. A complaint whose refund is recorded already is left alone (a replay).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from hub.clock import utcnow
from hub.domain.lifecycle import EventKind
from hub.domain.order import Order
from hub.domain.payments import key
from hub.sdk import ChannelRefund
from hub.services.complaints.outcomes import REFUND_JOB, transaction
from hub.services.jobs import FatalJobError, JobContext, JobRegistry
from hub.services.payments.on_channel import refund_on_channel
from hub.services.payments.record import apply
from hub.store import complaints as store
from hub.store import orders as order_store
from hub.store import payments as payment_store
from hub.store.jobs import Job


def _read(conn: Connection, complaint_id: str) -> tuple[Any, Order] | None:
    row = store.get(conn, complaint_id)
    if row is None:
        return None
    return row, order_store.load(conn, row.order_id)


def channel_refund(row: Any, order: Order) -> ChannelRefund:
    return ChannelRefund(
        refund_id=f"complaint:{row.id}", external_id=order.external_id or order.number,
        external_number=order.external_number, currency=order.currency,
        amount=row.refund_amount,
    )  # fmt: skip


def record_refund(conn: Connection, complaint_id: str, reference: str, *, actor: str) -> None:
    """Record the complaint's refund as a transaction on its order (once)."""
    found = store.get(conn, complaint_id)
    if found is None:
        return
    order_row = payment_store.lock_order(conn, found.order_id)
    row = store.lock(conn, complaint_id)
    if row is None or row.refund_state != "queued":
        return
    now = utcnow()
    made = transaction(row.id, row.refund_amount, order_row.currency, reference,
                       source="complaint", at=now)  # fmt: skip
    recorded = payment_store.recorded(conn, row.order_id)
    if key(made) not in {key(t) for t in recorded}:
        apply(conn, order_row, recorded, [made], actor=actor, now=now)
    store.set_refund(conn, row.id, refund_state="recorded", refund_reference=reference)
    detail = {"complaint": row.id, "amount": row.refund_amount, "currency": order_row.currency,
              "reference": reference}  # fmt: skip
    order_store.add_note(conn, row.order_id, EventKind.COMPLAINT_REFUNDED, detail, actor=actor,
                         now=now)  # fmt: skip


async def send_refund(ctx: JobContext, complaint_id: str) -> str:
    """Refund on the channel (once) and record it; what happened."""
    async with ctx.db.read() as aconn:
        found = await aconn.run_sync(_read, complaint_id)
    if found is None:
        raise FatalJobError(f"no complaint {complaint_id}")
    row, order = found
    if row.refund_state != "queued":
        return "done already"
    sent = await refund_on_channel(ctx, row.channel, channel_refund(row, order))
    actor = f"connection:{row.channel}"
    await ctx.db.run_write(
        lambda conn: record_refund(conn, complaint_id, sent.reference, actor=actor)
    )
    return "found" if sent.already else "sent"


async def handle_refund_job(ctx: JobContext, job: Job) -> None:
    await send_refund(ctx, job.payload["complaint_id"])


def register(registry: JobRegistry) -> None:
    """``complaint.refund``: an effect at the channel, retried on the partner schedule."""
    registry.register(REFUND_JOB, handle_refund_job, outbound=True)
