"""What a complaint's outcome does besides recording itself.

- ``refund_for_complaint``: the refund decided with the order's row locked (at most what
  was captured less what was refunded and less refunds on their way, or a 422 naming
  ``amount``), then sent to the channel once through the outbox (``complaint.refund``,
  ``channel_refund``) where its connector refunds (Shopify ``refundCreate``, WooCommerce
  refunds: ``hub.sdk.RefundsOrders``), else recorded at once as a manual refund transaction
  referenced ``complaint:<id>``, with a note saying the channel takes no refunds from the
  hub.
- ``reship_order``: the new no-charge order for the named lines: the original's buyer and
  address, the same channel, ``external_id`` ``reship-<complaint id>`` (so asking again is
  the same order), linked to the original; the intake writer stores it and it is reserved,
  routed and sent to fulfilment like any order.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import Connection, Row

from hub.domain.complaints import ComplaintLine
from hub.domain.lifecycle import EventKind
from hub.domain.order import (
    FieldError,
    InvalidOrder,
    Line,
    OrderData,
    PaymentTransaction,
    Shipping,
    Totals,
)
from hub.domain.order import normalise as normalise_order
from hub.domain.payments import manual_error
from hub.errors import NotFound, Unprocessable
from hub.services.complaints import hooks
from hub.services.payments.record import apply
from hub.store import complaints as store
from hub.store import jobs as job_store
from hub.store import orders as order_store
from hub.store import payments as payment_store
from hub.store import returns as return_store
from hub.store.jobs import NewJob

REFUND_METHOD = "complaint"
REFUND_JOB = "complaint.refund"  # payload: complaint_id
JOB_ATTEMPTS = 10


def refund_reference(complaint_id: str) -> str:
    return f"complaint:{complaint_id}"


class RefundDecided(msgspec.Struct, frozen=True, kw_only=True):
    """What a ``refund`` outcome did: ``queued`` to the channel, or ``recorded`` by hand
    (``note`` says why, for a channel that takes no refunds from the hub)."""

    amount: int
    currency: str
    state: str
    reference: str | None = None
    note: str | None = None


def _refundable(conn: Connection, row: Row[Any], amount: int) -> None:
    """A 422 naming ``amount`` when it is above captured less refunded and less the refunds
    already on their way to the channel (returns' and complaints')."""
    paid = order_store.summary(row)
    error = manual_error("refund", amount, paid)
    on_the_way = return_store.refunds_on_the_way(conn, row.id)
    if error is None and amount > paid.captured - paid.refunded - on_the_way:
        error = FieldError("amount", f"{amount} is more than can be refunded: {on_the_way} "
                                     "is on its way to the channel already")  # fmt: skip
    if error is not None:
        raise Unprocessable(f"{error.field}: {error.reason}; nothing was recorded", [error])


def refund_for_complaint(
    conn: Connection, complaint_id: str, order_id: str, amount: int, *, actor: str, now: datetime
) -> RefundDecided:
    """Decide the refund ``amount`` of the complaint in the caller's transaction (the
    order's row locked): queued to the channel through the outbox (``complaint.refund``)
    where it takes refunds, else recorded at once with a note; or a 422 naming ``amount``."""
    row = payment_store.lock_order(conn, order_id)
    if row is None:
        raise NotFound(f"no order {order_id}")
    _refundable(conn, row, amount)
    if hooks.sends_refunds(row.channel):
        store.set_refund(conn, complaint_id, refund_state="queued", refund_amount=amount)
        job_store.enqueue_unless_active_sync(
            conn, NewJob(REFUND_JOB, {"complaint_id": complaint_id}), now=now,
            max_attempts=JOB_ATTEMPTS,
        )  # fmt: skip
        detail = {"complaint": complaint_id, "amount": amount, "currency": row.currency,
                  "to": row.channel}  # fmt: skip
        order_store.add_note(conn, order_id, EventKind.COMPLAINT_REFUND_QUEUED, detail,
                             actor=actor, now=now)  # fmt: skip
        return RefundDecided(amount=amount, currency=row.currency, state="queued")
    made = transaction(complaint_id, amount, row.currency, refund_reference(complaint_id),
                       source="manual", at=now)  # fmt: skip
    apply(conn, row, payment_store.recorded(conn, order_id), [made], actor=actor, now=now)
    store.set_refund(conn, complaint_id, refund_state="recorded", refund_amount=amount,
                     refund_reference=made.reference)  # fmt: skip
    note = (f"channel {row.channel} takes no refunds from the hub: recorded here; pay it "
            "back on the channel or by hand")  # fmt: skip
    return RefundDecided(amount=amount, currency=row.currency, state="recorded",
                         reference=made.reference, note=note)  # fmt: skip


def transaction(
    complaint_id: str, amount: int, currency: str, reference: str, *, source: Any, at: datetime
) -> PaymentTransaction:
    return PaymentTransaction(
        kind="refund", amount=amount, currency=currency, method=REFUND_METHOD,
        reference=reference, at=at, source=source, note=f"complaint {complaint_id}",
    )  # fmt: skip


def reship_order(
    original: Row[Any], lines: list[ComplaintLine], complaint_id: str, *, opened: datetime
) -> OrderData:
    """The order that sends ``lines`` of ``original`` again, at no charge, placed when the
    complaint was ``opened`` (the same request twice is the same order)."""
    data = order_store.content(original)
    first = {ln.sku: ln for ln in reversed(data.lines)}
    made = [
        Line(sku=ln.sku, name=first[ln.sku].name, quantity=ln.quantity, unit_price=0)
        for ln in lines
    ]
    shipping = Shipping(method=data.shipping.method, service_level=data.shipping.service_level)
    reship = OrderData(
        channel=original.channel,
        external_id=f"reship-{complaint_id}",
        placed_at=opened,
        currency=data.currency,
        customer=data.customer,
        shipping_address=data.shipping_address,
        billing_address=data.billing_address,
        lines=made,
        shipping=shipping,
        totals=Totals(subtotal=0, total=0),
        tags=["reship"],
        note=f"reship for complaint {complaint_id} on order {original.number}",
    )
    try:
        return normalise_order(reship)
    except InvalidOrder as exc:  # the original's data no longer passes today's rules
        raise Unprocessable(
            f"the reship order cannot be made: {exc}", [FieldError("outcome", str(exc))]
        ) from None


def outcome_lines(lines: list[ComplaintLine]) -> list[dict[str, Any]]:
    return [msgspec.structs.asdict(ln) for ln in lines]
