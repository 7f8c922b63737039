"""Recording an order's payment transactions, whoever reports them, in the caller's
transaction: the transactions, the figures on the order row, a ``payment`` timeline entry for
each, a flag for an operator when the captured money is not the total, the release of an
order that waited for this money, and the ``payments_changed`` listeners.

- ``initial``: what a new order's own ``payment`` brings (the order writer inserts it with
  the order, in bulk);
- ``record_report``: a channel's (or a caller's) report of an existing order's payment,
  reconciled with what is recorded (``hub.domain.payments.reconcile``);
- ``apply``: new transactions already decided (a manual payment), recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import Connection, Row

from hub.domain.lifecycle import EventKind, OrderStatus
from hub.domain.money import to_decimal_string
from hub.domain.order import Order, Payment, PaymentTransaction
from hub.domain.payments import Summary, differs, key, reconcile, summarise
from hub.services.payments.hooks import PaymentsChanged, payments_changed
from hub.services.payments.release import release_if_paid
from hub.store import orders as order_store
from hub.store import payments as store
from hub.store.orders import Event, event_row


@dataclass(slots=True)
class Initial:
    """What a new order's payment writes beside the order: the figures for the order row,
    transaction rows, a flag and its timeline entry when the capture differs from the
    total, and the change the listeners hear of."""

    summary: Summary
    rows: list[dict[str, Any]] = field(default_factory=list)
    attention: str | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    change: PaymentsChanged | None = None


def initial(order: Order, *, actor: str, now: datetime) -> Initial:
    """The transactions ``order`` (new, as reported) comes with, and what they add up to."""
    total = order.totals.total
    made = reconcile(order.payment, [], total=total, currency=order.currency, now=now).new
    out = Initial(summary=summarise(made, total))
    if not made:
        return out
    out.rows = store.rows(order.id, made, actor=actor, now=now)
    if differs(out.summary, total):
        out.attention = mismatch(out.summary, total, order.currency)
        flag = Event(
            at=now, actor=actor, kind=EventKind.PAYMENT_MISMATCH,
            detail={"reason": out.attention},
        )  # fmt: skip
        out.events.append(event_row(order.id, flag))
    out.change = PaymentsChanged(
        order_id=order.id, order_status=order.status, currency=order.currency, total=total,
        before=None, after=out.summary, added=tuple(made), actor=actor, at=now,
    )  # fmt: skip
    return out


def record_report(
    conn: Connection, order_id: str, reported: Payment, *, actor: str, now: datetime
) -> PaymentsChanged | None:
    """Record what a report of the order's payment adds (None: nothing new)."""
    row = store.lock_order(conn, order_id)
    if row is None:
        return None
    recorded = store.recorded(conn, order_id)
    changes = reconcile(reported, recorded, total=row.total, currency=row.currency, now=now)
    if not changes.new and not changes.settled:
        cancelled = row.status == OrderStatus.CANCELLED
        fresh = summarise(recorded, row.total, cancelled=cancelled)
        if fresh.status != row.payment_status:  # the channel changed the order's total
            store.set_summary(conn, order_id, fresh, now=now)
        return None
    return apply(conn, row, recorded, changes.new, changes.settled, actor=actor, now=now)


def apply(
    conn: Connection,
    row: Row[Any],
    recorded: Sequence[PaymentTransaction],
    new: Sequence[PaymentTransaction],
    settled: Sequence[tuple[tuple[str, str], str]] = (),
    *,
    actor: str,
    now: datetime,
) -> PaymentsChanged:
    """Record ``new`` transactions (and ``settled`` pending ones) of the order of ``row``
    (locked), given what was ``recorded`` before; everything that follows, in one go."""
    store.settle(conn, row.id, settled)
    store.insert_rows(conn, store.rows(row.id, new, actor=actor, now=now))
    now_settled = dict(settled)
    every = [
        msgspec.structs.replace(t, status=now_settled[key(t)]) if key(t) in now_settled else t  # type: ignore[arg-type]
        for t in recorded
    ] + list(new)
    before = order_store.summary(row)
    after = summarise(every, row.total, cancelled=row.status == OrderStatus.CANCELLED)
    store.set_summary(conn, row.id, after, now=now)
    events = [_entry(t, after, actor, now) for t in new]
    events += [_settled(k, s, after, actor, now) for k, s in settled]
    order_store.add_events_sync(conn, [event_row(row.id, e) for e in events])
    if after.captured != before.captured and differs(after, row.total):
        reason = mismatch(after, row.total, row.currency)
        order_store.flag_attention(
            conn, row.id, reason, actor=actor, now=now, kind=EventKind.PAYMENT_MISMATCH
        )
    status = release_if_paid(conn, row, after, now=now)
    added = tuple(new) + tuple(t for t in every if key(t) in now_settled)
    change = PaymentsChanged(
        order_id=row.id, order_status=OrderStatus(status), currency=row.currency,
        total=row.total, before=before, after=after, added=added, actor=actor, at=now,
    )  # fmt: skip
    payments_changed(conn, change)
    return change


def mismatch(summary: Summary, total: int, currency: str) -> str:
    """The operator's flag when the money captured is not the order's total: both figures."""
    captured = to_decimal_string(summary.captured, currency)
    return (
        f"payment: captured {captured} {currency} differs from the order total "
        f"{to_decimal_string(total, currency)} {currency}"
    )


def _entry(t: PaymentTransaction, after: Summary, actor: str, now: datetime) -> Event:
    detail: dict[str, Any] = {
        "kind": t.kind,
        "amount": t.amount,
        "currency": t.currency,
        "status": t.status,
        "source": t.source,
        "payment_status": after.status,
    }
    detail |= {n: v for n in ("method", "reference", "note") if isinstance(v := getattr(t, n), str)}
    return Event(at=now, actor=actor, kind=EventKind.PAYMENT, detail=detail)


def _settled(k: tuple[str, str], status: str, after: Summary, actor: str, now: datetime) -> Event:
    reference, kind = k
    detail = {"kind": kind, "reference": reference, "status": status, "settled": True,
              "payment_status": after.status}  # fmt: skip
    return Event(at=now, actor=actor, kind=EventKind.PAYMENT, detail=detail)
