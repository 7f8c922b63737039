"""What a cancelled order owes its buyer, from its payment status.

The hub does not move money yet (the payments issue will record refunds): until then a
cancellation says what is due back so an operator can refund it at the channel or the
payment provider.
"""

from __future__ import annotations

from typing import Literal

from msgspec import Struct

from hub.domain.order import OrderData, PaymentStatus

RefundAction = Literal["refund", "refund_rest", "void_authorization", "none"]


class RefundDue(Struct, frozen=True, kw_only=True):
    """``amount`` is what is due back in minor units of ``currency``; None when the hub
    cannot know it (part was refunded already: at most ``at_most``)."""

    payment_status: PaymentStatus
    currency: str
    amount: int | None
    at_most: int
    action: RefundAction
    note: str


def refund_due(order: OrderData) -> RefundDue:
    """What cancelling ``order`` leaves owed to its buyer."""
    status = order.payment.status
    total = order.totals.total
    if status == "paid":
        amount: int | None = total
        action: RefundAction = "refund"
        note = "the payment was captured: refund the order total to the buyer"
    elif status == "partially_refunded":
        amount, action = None, "refund_rest"
        note = (
            "part of the payment was refunded already and the hub does not hold how much: "
            "refund the rest, at most the order total less what was refunded"
        )
    elif status == "authorized":
        amount, action = 0, "void_authorization"
        note = "nothing was captured: void the authorization so the buyer's funds are freed"
    else:
        amount, action = 0, "none"
        note = {
            "refunded": "the payment was refunded already",
            "pending": "nothing was paid",
            "voided": "the authorization was voided; nothing was paid",
            "failed": "the payment failed; nothing was paid",
        }[status]
    return RefundDue(
        payment_status=status,
        currency=order.currency,
        amount=amount,
        at_most=0 if amount == 0 else total,
        action=action,
        note=note,
    )
