"""Buyer notifications (services/notifications): one row per (order, event, parcel), unique,
so a mail is queued once, ever; the rendered subject and parts are kept with it."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint

from hub.store.columns import BigId, UtcDateTime, metadata

notifications = Table(
    "notifications",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("order_id", String(26), ForeignKey("orders.id"), nullable=False),
    Column("event", String(40), nullable=False),  # hub.domain.notifications.MailEvent
    # the shipment, document or payment reference it is about; '' when about the order
    Column("parcel", String(200), nullable=False),
    Column("status", String(10), nullable=False),  # NotificationStatus
    Column("channel", String(64), nullable=False),
    Column("facts", Text),  # JSON: what the event said that may change later (refund due)
    Column("recipient", String(300)),
    Column("message_id", String(300)),
    Column("subject", Text),
    Column("text", Text),
    Column("html", Text),
    Column("language", String(10)),
    Column("attachment", String(300)),  # the attached file's name
    Column("error", Text),  # the server's words: why it failed, or the last retry's reason
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
    UniqueConstraint("order_id", "event", "parcel"),
    Index(None, "status", "id"),
    Index(None, "event", "id"),
)
