"""The payment transactions of orders (services/payments): authorizations, captures, refunds
and voids, each recorded once per (order, partner reference, kind) and never changed, except
that a pending one takes the status it settles with. The order row keeps the figures they
add up to (``orders.payment_status``, ``paid_*``)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint

from hub.store.columns import BigId, UtcDateTime, metadata

payment_transactions = Table(
    "payment_transactions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("order_id", String(26), ForeignKey("orders.id"), nullable=False),
    Column("kind", String(20), nullable=False),  # authorization, capture, refund, void
    Column("amount", BigInteger, nullable=False),  # minor units of ``currency``
    Column("currency", String(3), nullable=False),
    Column("method", String(200)),  # the gateway or the means: stripe, cash, bank_transfer
    Column("reference", String(200)),  # the partner's; None only for a manual one without
    Column("status", String(20), nullable=False),  # succeeded, pending, failed
    Column("at", UtcDateTime, nullable=False),  # when it happened
    Column("source", String(20), nullable=False),  # channel, status, manual, migration
    Column("actor", String(100), nullable=False),
    Column("note", Text),
    Column("recorded_at", UtcDateTime, nullable=False),
    UniqueConstraint("order_id", "reference", "kind"),
    Index(None, "order_id", "id"),
)
