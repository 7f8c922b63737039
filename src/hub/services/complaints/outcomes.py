"""What a complaint's outcome does besides recording itself.

- ``refund_for_complaint``: a refund payment transaction on the order, referenced
  ``complaint:<id>``, through the payments service (the order's row locked, the amount at
  most what was captured less what was refunded, or a 422 naming ``amount``). The one place
  a complaint's money moves, so it can be routed to the channel's refund when that lands.
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
from hub.services.payments.record import apply
from hub.store import orders as order_store
from hub.store import payments as payment_store

REFUND_METHOD = "complaint"


def refund_reference(complaint_id: str) -> str:
    return f"complaint:{complaint_id}"


def refund_for_complaint(
    conn: Connection, complaint_id: str, order_id: str, amount: int, *, actor: str, now: datetime
) -> PaymentTransaction:
    """Record the refund ``amount`` of the complaint in the caller's transaction, or refuse
    it with a 422 naming ``amount`` (nothing written)."""
    row = payment_store.lock_order(conn, order_id)
    if row is None:
        raise NotFound(f"no order {order_id}")
    error = manual_error("refund", amount, order_store.summary(row))
    if error is not None:
        raise Unprocessable(f"{error.field}: {error.reason}; nothing was recorded", [error])
    made = PaymentTransaction(
        kind="refund", amount=amount, currency=row.currency, method=REFUND_METHOD,
        reference=refund_reference(complaint_id), at=now, source="manual",
        note=f"complaint {complaint_id}",
    )  # fmt: skip
    apply(conn, row, payment_store.recorded(conn, order_id), [made], actor=actor, now=now)
    return made


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
