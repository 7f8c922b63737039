"""Returns of orders (services/returns): the return, its lines with what was received of
each, and every receipt (a line, a grade, units, where). ``return_lines.received`` is only
ever raised by a conditional update that keeps it within ``quantity``, so two receipts of
the same units can never both be counted."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from hub.store.columns import BigId, UtcDateTime, metadata

returns = Table(
    "returns",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("order_id", String(26), ForeignKey("orders.id"), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("external_id", String(200)),  # the channel's own return id, if it opened it
    Column("status", String(20), nullable=False),  # hub.domain.returns.ReturnStatus
    Column("opened_by", String(10), nullable=False),  # operator, buyer, channel
    Column("reason", String(30), nullable=False),
    Column("note", Text),
    Column("resolution", String(20), nullable=False),
    Column("policy", Text),  # why it is outside the policy, if it is
    Column("decision", Text),  # why it was rejected or cancelled
    Column("location", String(64)),  # where the return label sends the parcel
    Column("label_connection", String(64)),
    Column("label_carrier", String(100)),
    Column("label_tracking", String(100)),
    Column("label_url", Text),
    Column("label", LargeBinary),
    Column("label_format", String(10)),
    Column("label_cost", BigInteger),
    Column("refund_amount", BigInteger),
    Column("refund_state", String(10)),  # queued, recorded
    Column("refund_reference", String(200)),
    Column("refund_detail", Text),  # JSON: the figures the amount was computed from
    Column("exchange_lines", Text),  # JSON [{sku, quantity}]: the replacement (exchange)
    Column("exchange_order_id", String(26)),  # the order made of them (link_kind exchange)
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("channel", "external_id"),
    Index(None, "order_id"),
    Index(None, "status", "created_at", "id"),
    Index(None, "created_at", "id"),
    Index(None, "label_tracking"),  # the carrier's news of the return parcel
)

return_lines = Table(
    "return_lines",
    metadata,
    Column("return_id", String(26), ForeignKey("returns.id"), primary_key=True),
    Column("position", Integer, primary_key=True),  # the order line's index
    Column("sku", String(100), nullable=False),
    Column("line_id", String(200)),
    Column("quantity", Integer, nullable=False),
    Column("received", Integer, nullable=False),
    CheckConstraint("received >= 0 AND received <= quantity", name="received_within_quantity"),
)

return_receipts = Table(
    "return_receipts",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("return_id", String(26), ForeignKey("returns.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("sku", String(100), nullable=False),
    Column("grade", String(10), nullable=False),  # sellable, refurbish, damaged
    Column("quantity", Integer, nullable=False),
    Column("location", String(64), nullable=False),  # where the units went
    Column("actor", String(100), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Index(None, "return_id", "id"),
)
