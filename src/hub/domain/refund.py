"""What a cancelled order owes its buyer, from the payment figures the hub recorded.

The amount is exact: what was captured and not yet refunded (``Payment.refund_due``, from
the order's payment transactions; see ``hub.domain.payments``). The action says what an
operator does about it: refund that amount (``POST /orders/{id}/payments`` with a refund
records it), void an authorization nothing was captured from, or nothing.
"""

from __future__ import annotations

from typing import Literal

from msgspec import Struct

from hub.domain.order import Order, PaymentStatus
from hub.domain.payments import Summary

RefundAction = Literal["refund", "void_authorization", "none"]


class RefundDue(Struct, frozen=True, kw_only=True):
    """``amount`` is what is due back, in minor units of ``currency``."""

    payment_status: PaymentStatus
    currency: str
    amount: int
    action: RefundAction
    note: str


def refund_due(order: Order) -> RefundDue:
    """What ``order`` (cancelled) owes its buyer, from its recorded payment figures."""
    paid = Summary.of(order.payment)
    if paid.refund_due > 0:
        action: RefundAction = "refund"
        note = "captured and not refunded: refund it to the buyer"
    elif paid.authorized > paid.captured:
        action = "void_authorization"
        note = "authorized and not captured: void the authorization so the funds are freed"
    else:
        action = "none"
        note = "nothing captured is left to refund"
    return RefundDue(
        payment_status=paid.status,
        currency=order.currency,
        amount=paid.refund_due,
        action=action,
        note=note,
    )
