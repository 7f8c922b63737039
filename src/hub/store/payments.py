"""Payment transactions and the payment figures on the order row (``payment_transactions``,
``orders.payment_status``, ``paid_*``, ``awaiting_payment``).

Synchronous: every function runs inside the caller's transaction. Whoever changes an order's
transactions locks its row first (``lock_order``), so two writers never decide on the same
figures (two refunds racing on PostgreSQL: the second waits, then sees the first).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import Connection, Row, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.domain.order import OrderData, PaymentTransaction
from hub.domain.payments import Summary
from hub.store.tables import orders, payment_transactions

_encoder = msgspec.json.Encoder()


def lock_order(conn: Connection, order_id: str) -> Row[Any] | None:
    """The order's row, locked until the transaction ends on PostgreSQL (SQLite has one
    writer at a time)."""
    query = select(orders).where(orders.c.id == order_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).first()


def _transaction(r: Row[Any]) -> PaymentTransaction:
    return PaymentTransaction(
        kind=r.kind,
        amount=r.amount,
        currency=r.currency,
        method=r.method,
        reference=r.reference,
        at=r.at,
        status=r.status,
        source=r.source,
        note=r.note if r.note is not None else msgspec.UNSET,
    )


def _of(order_id: str) -> Any:
    return (
        select(payment_transactions)
        .where(payment_transactions.c.order_id == order_id)
        .order_by(payment_transactions.c.id)
    )


def recorded(conn: Connection, order_id: str) -> list[PaymentTransaction]:
    """The order's transactions, oldest first."""
    return [_transaction(r) for r in conn.execute(_of(order_id))]


async def transactions(conn: AsyncConnection, order_id: str) -> list[PaymentTransaction]:
    return [_transaction(r) for r in await conn.execute(_of(order_id))]


def rows(
    order_id: str, made: Sequence[PaymentTransaction], *, actor: str, now: datetime
) -> list[dict[str, Any]]:
    """Insertable rows of new transactions (each with its currency, time and source)."""
    return [
        {
            "order_id": order_id,
            "kind": t.kind,
            "amount": t.amount,
            "currency": t.currency,
            "method": t.method,
            "reference": t.reference,
            "status": t.status,
            "at": t.at or now,
            "source": t.source if isinstance(t.source, str) else "channel",
            "actor": actor,
            "note": t.note if isinstance(t.note, str) else None,
            "recorded_at": now,
        }
        for t in made
    ]


def insert_rows(conn: Connection, new: Sequence[dict[str, Any]]) -> None:
    if new:
        conn.execute(insert(payment_transactions), list(new))


def settle(conn: Connection, order_id: str, settled: Sequence[tuple[tuple[str, str], str]]) -> None:
    """Pending transactions that settled: (reference, kind) -> their new status."""
    t = payment_transactions.c
    for (reference, kind), status in settled:
        conn.execute(
            update(payment_transactions)
            .where(
                t.order_id == order_id,
                t.reference == reference,
                t.kind == kind,
                t.status == "pending",
            )
            .values(status=status)
        )


def summary_values(summary: Summary) -> dict[str, Any]:
    """The order row's payment columns for ``summary``."""
    return {
        "payment_status": summary.status,
        "paid_authorized": summary.authorized,
        "paid_captured": summary.captured,
        "paid_refunded": summary.refunded,
    }


def set_summary(conn: Connection, order_id: str, summary: Summary, *, now: datetime) -> None:
    conn.execute(
        update(orders)
        .where(orders.c.id == order_id)
        .values(**summary_values(summary), updated_at=now)
    )


def await_payment(conn: Connection, waiting: Mapping[str, str]) -> None:
    """The orders (just put on hold) wait for their payment: id -> the ``release_when``
    their channel asks for."""
    for when in sorted(set(waiting.values())):
        ids = sorted(oid for oid, w in waiting.items() if w == when)
        conn.execute(update(orders).where(orders.c.id.in_(ids)).values(awaiting_payment=when))


def replace_report(
    conn: Connection, order_id: str, data: OrderData, digest: str, *, now: datetime
) -> None:
    """The channel sent the order again with only its payment changed: keep the new report
    (the lines, and what was reserved for them, stay as they are)."""
    conn.execute(
        update(orders)
        .where(orders.c.id == order_id)
        .values(doc=_encoder.encode(data), content_hash=digest, updated_at=now)
    )
