"""Refunds a channel made on its own side (``hub.sdk.ReportedRefund``; Amazon refunds the
buyer itself and reports it in its financial events), recorded in the caller's transaction.

Each is recorded once, by the channel's refund id (the transaction's reference), as a
``refund`` payment transaction on the order, through ``services/payments`` (the payment
figures, a ``payment`` entry on the timeline, the ``payments_changed`` listeners). When it
matches an open hub return of the order (received or partially received, no refund yet,
holding the refunded SKUs), that return takes the refund and moves to ``refunded``, and the
credit note covers the units it received (where the order was invoiced). Otherwise the
listeners treat it like any channel refund: a credit note for the rest after a full refund,
a flag for an operator after a partial one. A matching return not yet received is noted on
the timeline (``return_channel``): the channel refunded before the parcel came back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import Connection, Row

from hub.clock import utcnow
from hub.domain.lifecycle import EventKind
from hub.domain.order import PaymentTransaction
from hub.domain.payments import key
from hub.domain.returns import ReturnStatus
from hub.sdk.returns import ReportedRefund
from hub.services.intake.return_reports import ReportRefused
from hub.services.payments.record import apply
from hub.services.returns.decisions import step
from hub.services.returns.from_channel import order_of
from hub.store import orders as order_store
from hub.store import payments as payment_store
from hub.store import returns as store

_RECEIVED = (ReturnStatus.RECEIVED.value, ReturnStatus.PARTIALLY_RECEIVED.value)
_WAITING = (
    ReturnStatus.REQUESTED.value,
    ReturnStatus.AUTHORISED.value,
    ReturnStatus.IN_TRANSIT.value,
)


def _at(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _matching(conn: Connection, order_id: str, refund: ReportedRefund, statuses: Any) -> Any:
    """The order's oldest return in ``statuses``, without a refund, holding every SKU the
    refund names (any, when it names none)."""
    skus = {ln.sku for ln in refund.lines}
    rows = [r for r in store.of_order(conn, order_id, statuses) if r.refund_state is None]
    lines = store.lines_of(conn, [r.id for r in rows])
    for row in rows:
        if skus <= {ln.sku for ln in lines[row.id]}:
            return row
    return None


def _refunded(conn: Connection, row: Row[Any], refund: ReportedRefund, actor: str) -> None:
    store.set_values(conn, row.id, now=utcnow(), refund_amount=refund.amount)
    fresh = store.get(conn, row.id, lock=True)
    assert fresh is not None
    detail = {"amount": refund.amount, "currency": refund.currency,
              "reference": refund.refund_id, "by": "channel"}  # fmt: skip
    step(conn, fresh, ReturnStatus.REFUNDED, actor=actor, detail=detail,
         kind=EventKind.RETURN_REFUNDED, refund_state="recorded",
         refund_reference=refund.refund_id)  # fmt: skip


def record_reported(conn: Connection, refund: ReportedRefund, *, channel: str, actor: str) -> str:
    """Record the channel's refund once (and the return it settles); the order's id."""
    what = f"{channel} refund {refund.refund_id}"
    order_id = order_of(conn, channel, refund.order_id, what)
    order_row = payment_store.lock_order(conn, order_id)
    assert order_row is not None
    if refund.currency != order_row.currency:
        raise ReportRefused(
            f"{what}: in {refund.currency}, but the order is in {order_row.currency}"
        )
    if refund.amount <= 0:
        raise ReportRefused(f"{what}: the amount {refund.amount} is not a refund")
    recorded = payment_store.recorded(conn, order_id)
    made = PaymentTransaction(
        kind="refund", amount=refund.amount, currency=order_row.currency, method=channel,
        reference=refund.refund_id, at=_at(refund.at), source="channel",
        note=f"refunded by {channel}",
    )  # fmt: skip
    if key(made) in {key(t) for t in recorded}:
        return order_id  # recorded already: the same report again
    row = _matching(conn, order_id, refund, _RECEIVED)
    now = utcnow()
    if row is not None:
        made = msgspec.structs.replace(made, source="return", note=f"return {row.id}")
        _refunded(conn, row, refund, actor)
    apply(conn, order_row, recorded, [made], actor=actor, now=now)
    waiting = None if row is not None else _matching(conn, order_id, refund, _WAITING)
    if waiting is not None:
        note = {"return": waiting.id, "status": waiting.status,
                "channel_state": refund.channel_state, "applied": False, "refund": refund.refund_id,
                "why": f"{channel} refunded before the return was received"}  # fmt: skip
        order_store.add_note(conn, order_id, EventKind.RETURN_CHANNEL, note, actor=actor, now=now)
    return order_id
