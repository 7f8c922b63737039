"""A payment or refund recorded by hand (``POST /orders/{id}/payments``): cash, a bank
transfer with its reference, or a card terminal's slip, for call-centre and B2B orders.

One transaction: the order's row is locked, the amount checked against what is due (a
payment: at most the balance due) or refundable (a refund: at most captured less refunded),
and a bad one refused with a 422 naming the field, nothing written. The hub records the
money; it moves none (a refund here is one the merchant made).
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Literal

import msgspec
from sqlalchemy import Connection

from hub.clock import utcnow
from hub.domain.order import CurrencyCode, FieldError, Payment, PaymentTransaction, UtcDatetime
from hub.domain.payments import ManualKind, key, manual_error
from hub.errors import Conflict, NotFound, Unprocessable
from hub.services.payments.record import apply
from hub.store import idempotency as idempotency_store
from hub.store import orders as order_store
from hub.store import payments as store
from hub.store.database import Database

Method = Literal["cash", "bank_transfer", "card_terminal"]
#: the methods whose reference (the transfer's, the slip's number) must be given
NEEDS_REFERENCE = frozenset({"bank_transfer", "card_terminal"})


class ManualPaymentIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The body of ``POST /orders/{id}/payments``."""

    kind: ManualKind  # capture: money received; refund: money paid back
    amount: Annotated[int, msgspec.Meta(ge=1, le=10**15, description="minor units")]
    method: Method
    reference: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    currency: CurrencyCode | None = None  # if given, the order's
    at: UtcDatetime | None = None  # when the money moved (default: now)
    note: Annotated[str, msgspec.Meta(max_length=500)] | None = None


class PaymentRecorded(msgspec.Struct, frozen=True, kw_only=True):
    """The answer: the transaction as recorded, the order's payment after it, its status."""

    order_id: str
    order_status: str
    transaction: PaymentTransaction
    payment: Payment


def _refuse(field: str, reason: str) -> Unprocessable:
    return Unprocessable(f"{field}: {reason}; nothing was recorded", [FieldError(field, reason)])


def _check(body: ManualPaymentIn, currency: str) -> None:
    if body.method in NEEDS_REFERENCE and body.reference is None:
        raise _refuse("reference", f"required for {body.method}")
    if body.currency is not None and body.currency != currency:
        raise _refuse("currency", f"{body.currency} is not the order's currency {currency}")


def record_manual(
    conn: Connection, order_id: str, body: ManualPaymentIn, *, actor: str
) -> PaymentRecorded:
    """Record ``body`` on the order in the caller's transaction, or refuse it."""
    row = store.lock_order(conn, order_id)
    if row is None:
        raise NotFound(f"no order {order_id}")
    _check(body, row.currency)
    error = manual_error(body.kind, body.amount, order_store.summary(row))
    if error is not None:
        raise _refuse(error.field, error.reason)
    now = utcnow()
    made = PaymentTransaction(
        kind=body.kind, amount=body.amount, currency=row.currency, method=body.method,
        reference=body.reference, at=body.at or now, source="manual",
        note=body.note if body.note is not None else msgspec.UNSET,
    )  # fmt: skip
    recorded = store.recorded(conn, order_id)
    if body.reference is not None and key(made) in {key(t) for t in recorded}:
        raise Conflict(
            f"a {body.kind} with reference {body.reference!r} is already recorded on this order",
            [FieldError("reference", "already recorded")],
        )
    change = apply(conn, row, recorded, [made], actor=actor, now=now)
    return PaymentRecorded(
        order_id=order_id,
        order_status=str(change.order_status),
        transaction=made,
        payment=change.after.payment(),
    )


async def post_payment(
    db: Database,
    order_id: str,
    body: ManualPaymentIn,
    *,
    actor: str,
    idempotency: tuple[str, str] | None = None,
) -> tuple[PaymentRecorded, bool]:
    """Record a manual payment or refund in its own transaction.

    ``idempotency`` is (scope, key): the same key with the same body answers the first result
    again (replayed True) and records nothing; with another body it is a 422 naming the
    header. The record is written in the payment's own transaction.
    """
    digest = hashlib.sha256(msgspec.json.encode(body)).hexdigest()
    key_, header = None, idempotency[1] if idempotency else ""
    if idempotency is not None:
        key_ = (idempotency[0], f"payments:{order_id}:{idempotency[1]}")

    def run(conn: Connection) -> tuple[PaymentRecorded, bool]:
        if key_ is not None:
            found = idempotency_store.find(conn, [key_]).get(key_)
            if found is not None:
                if found.request_hash != digest:
                    raise Unprocessable(
                        f"Idempotency-Key {header!r} was already used with "
                        "a different body; use a new key for a new payment",
                        [FieldError("Idempotency-Key", "already used with a different body")],
                    )
                return msgspec.json.decode(found.response, type=PaymentRecorded), True
        result = record_manual(conn, order_id, body, actor=actor)
        if key_ is not None:
            idempotency_store.insert_many(
                conn,
                [{"scope": key_[0], "key": key_[1], "request_hash": digest, "status_code": 201,
                  "response": msgspec.json.encode(result), "created_at": utcnow()}],
            )  # fmt: skip
        return result, False

    outcome = await db.run_write(run)
    if not outcome[1]:
        db.signal_jobs()  # an order released by this money is to be routed
    return outcome
