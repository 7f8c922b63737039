"""Complaints (services/complaints): one row per complaint about an order, its lines, and
what it was resolved with. Each step is also on the order's timeline (``complaint_*``)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, ForeignKey, Index, Integer, String, Table, Text

from hub.store.columns import UtcDateTime, metadata

complaints = Table(
    "complaints",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("order_id", String(26), ForeignKey("orders.id"), nullable=False),
    Column("channel", String(64), nullable=False),  # the order's, for channel keys and lists
    Column("kind", String(20), nullable=False),  # hub.domain.complaints.Kind
    Column("status", String(20), nullable=False),  # hub.domain.complaints.ComplaintStatus
    Column("description", Text, nullable=False),
    Column("evidence", Text, nullable=False),  # a JSON list of links
    Column("due_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("actor", String(100), nullable=False),  # who opened it
    Column("answer", Text),  # the last answer to the buyer
    Column("answered_at", UtcDateTime),
    Column("outcome", String(20)),  # hub.domain.complaints.OutcomeKind, once resolved
    Column("outcome_detail", Text),  # JSON: amount, voucher code, lines, the reship order
    Column("reason", Text),  # why it was rejected, or the resolution's note
    Column("closed_at", UtcDateTime),  # resolved or rejected
    Column("refund_state", String(10)),  # a refund outcome: queued (to the channel), recorded
    Column("refund_amount", BigInteger),
    Column("refund_reference", String(200)),
    Index(None, "created_at", "id"),
    Index(None, "status", "due_at"),
    Index(None, "channel", "created_at", "id"),
    Index(None, "order_id"),
)

complaint_lines = Table(
    "complaint_lines",
    metadata,
    Column("complaint_id", String(26), ForeignKey("complaints.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("sku", String(100), nullable=False),
    Column("quantity", BigInteger, nullable=False),
)

# Units shipped per UTC day by carrier, by location and by SKU (``dimension``: carrier,
# location, sku), added to as each parcel is recorded: the denominators of the complaint
# rates, read without scanning every parcel of the window.
shipped_daily = Table(
    "shipped_daily",
    metadata,
    Column("day", Date, primary_key=True),
    Column("dimension", String(10), primary_key=True),
    Column("key", String(100), primary_key=True),
    Column("units", BigInteger, nullable=False),
)
