"""A return's refund (``POST /returns/{id}/refund``): computed from what was received
(``hub.domain.returns.refund_figures``), never more than was captured less what is refunded
or on its way, and then either

- sent to the channel once through the outbox (``return.refund``) when its connector
  refunds (Shopify, WooCommerce, Square, eBay: ``hub.sdk.RefundsOrders``), and recorded as a
  refund transaction when the channel has made it; or
- recorded at once (a channel the hub does not refund through: the merchant pays it back).

The order's row is locked while the amount is decided, so two refunds racing on
PostgreSQL never add up to more than was captured. Recording goes through
``services/payments`` (the payment figures, a ``payment`` entry, the ``payments_changed``
listeners: a credit note where the documents part is installed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import msgspec
from sqlalchemy import Connection, Row

from hub.clock import utcnow
from hub.domain.bounds import FreeText
from hub.domain.lifecycle import EventKind
from hub.domain.order import FieldError, PaymentTransaction
from hub.domain.payments import key
from hub.domain.returns import RefundFigures, ReturnPolicy, ReturnStatus, refund_figures
from hub.errors import Conflict, NotFound, Unprocessable
from hub.services.payments.record import apply
from hub.services.returns.decisions import JOB_ATTEMPTS, locked, step
from hub.services.returns.opening import shipped_units
from hub.store import jobs as job_store
from hub.store import orders as order_store
from hub.store import payments as payment_store
from hub.store import returns as store
from hub.store.database import Database
from hub.store.jobs import NewJob

REFUND_JOB = "return.refund"  # payload: return_id


class RefundIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``amount``: less than computed if the operator decides so; default what was computed."""

    amount: Annotated[int, msgspec.Meta(ge=1, le=10**15)] | None = None
    note: Annotated[FreeText, msgspec.Meta(max_length=500)] | None = None


def _refuse(field: str, reason: str) -> Unprocessable:
    return Unprocessable(f"{field}: {reason}; nothing was written", [FieldError(field, reason)])


def figures(
    conn: Connection, row: Row[Any], order_row: Row[Any], policy: ReturnPolicy
) -> RefundFigures:
    """What the return's received units earn, and what the order can still refund."""
    order = order_store.to_order(order_row)
    received = {ln.position: ln.received for ln in store.lines_of(conn, [row.id])[row.id]}
    shipped, _ = shipped_units(conn, order.id)
    paid = order_store.summary(order_row)
    refundable = paid.captured - paid.refunded - store.refunds_on_the_way(conn, order.id)
    return refund_figures(
        order, {p: n for p, n in received.items() if n}, policy=policy,
        everything_back=store.received_of_order(conn, order.id) >= sum(shipped.values()),
        label_cost=row.label_cost or 0, refundable=refundable,
    )  # fmt: skip


def _amount(body: RefundIn, found: RefundFigures) -> int:
    amount = body.amount if body.amount is not None else found.amount
    if amount > found.refundable:
        raise _refuse(
            "amount",
            f"{amount} is more than can be refunded ({found.refundable}: captured less refunded "
            "and less refunds on their way)",
        )
    if amount <= 0:
        raise _refuse("amount", "nothing to refund (nothing received, or nothing captured)")
    return amount


def transaction(row: Row[Any], amount: int, currency: str, reference: str) -> PaymentTransaction:
    return PaymentTransaction(
        kind="refund", amount=amount, currency=currency, method="return", reference=reference,
        at=utcnow(), source="return", note=f"return {row.id}",
    )  # fmt: skip


def locked_order_id(conn: Connection, return_id: str) -> str:
    """The return's order (read unlocked: the order's row is locked first, then the
    return's, by everyone who locks both)."""
    row = store.get(conn, return_id)
    if row is None:
        raise NotFound(f"no return {return_id}")
    return str(row.order_id)


def record_refund(conn: Connection, return_id: str, reference: str, *, actor: str) -> None:
    """Record the return's refund as a transaction (once) and move it to ``refunded``."""
    order_id = locked_order_id(conn, return_id)
    order_row = payment_store.lock_order(conn, order_id)
    row = locked(conn, return_id)
    if row.refund_state == "recorded":
        return
    made = transaction(row, row.refund_amount, order_row.currency, reference)
    recorded = payment_store.recorded(conn, order_id)
    if key(made) not in {key(t) for t in recorded}:
        apply(conn, order_row, recorded, [made], actor=actor, now=utcnow())
    detail = {"amount": row.refund_amount, "currency": order_row.currency, "reference": reference}
    step(conn, row, ReturnStatus.REFUNDED, actor=actor, detail=detail,
         kind=EventKind.RETURN_REFUNDED, refund_state="recorded",
         refund_reference=reference)  # fmt: skip


def refund(
    conn: Connection,
    return_id: str,
    body: RefundIn,
    *,
    actor: str,
    policy_of: Callable[[str], ReturnPolicy],
    sends_refunds: Callable[[str], bool],
) -> None:
    """Decide the refund in the caller's transaction: queue it to the channel, or record it."""
    order_id = locked_order_id(conn, return_id)
    order_row = payment_store.lock_order(conn, order_id)  # refunds of one order: one at a time
    row = locked(conn, return_id)
    if row.refund_state is not None:
        reason = f"the return's refund is {row.refund_state} already"
        raise Conflict(reason, [FieldError("status", reason)])
    if row.status not in (ReturnStatus.RECEIVED, ReturnStatus.PARTIALLY_RECEIVED):
        reason = f"a return that is {row.status} cannot be refunded (receive it first)"
        raise Conflict(reason, [FieldError("status", reason)])
    if row.resolution == "exchange":
        raise _refuse("resolution", "an exchange refunds nothing: its units were exchanged")
    found = figures(conn, row, order_row, policy_of(row.channel))
    amount = _amount(body, found)
    now = utcnow()
    detail = msgspec.to_builtins(found) | {"amount": amount}
    store.set_values(conn, row.id, now=now, refund_amount=amount, refund_state="queued",
                     refund_detail=msgspec.json.encode(detail).decode())  # fmt: skip
    if sends_refunds(row.channel):
        job_store.enqueue_unless_active_sync(
            conn, NewJob(REFUND_JOB, {"return_id": row.id}), now=now, max_attempts=JOB_ATTEMPTS
        )
        note = {"return": row.id, "amount": amount, "currency": order_row.currency,
                "to": row.channel}  # fmt: skip
        order_store.add_note(conn, order_id, EventKind.RETURN_REFUND_QUEUED, note,
                             actor=actor, now=now)  # fmt: skip
        return
    record_refund(conn, row.id, f"return:{row.id}", actor=actor)


async def post_refund(
    db: Database,
    return_id: str,
    body: RefundIn,
    *,
    actor: str,
    policy_of: Callable[[str], ReturnPolicy],
    sends_refunds: Callable[[str], bool],
) -> None:
    await db.run_write(
        lambda conn: refund(
            conn, return_id, body, actor=actor, policy_of=policy_of, sends_refunds=sends_refunds
        )
    )
    db.signal_jobs()
