"""Outbound webhooks: the merchant's subscriptions and every delivery made for them
(services/subscriptions). A delivery keeps the body it sends, so a retry or a replay sends
the same bytes under the same ``webhook-id``."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, LargeBinary, String, Table, Text

from hub.store.columns import UtcDateTime, metadata

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("url", Text, nullable=False),
    Column("event_types", Text, nullable=False),  # JSON list of event types
    Column("allow_private", Boolean, nullable=False),
    Column("description", String(200)),
    Column("secret", Text, nullable=False),  # whsec_...: signs every delivery
    Column("previous_secret", Text),  # the one a rotation replaced, while it still signs
    Column("previous_until", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("deleted_at", UtcDateTime),  # deleted: no new deliveries, its history kept
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(26), primary_key=True),  # also the webhook-id header
    Column("subscription_id", String(26), ForeignKey("subscriptions.id"), nullable=False),
    Column("event_type", String(50), nullable=False),
    Column("body", LargeBinary, nullable=False),  # {"type", "timestamp", "data"} as sent
    Column("status", String(12), nullable=False),  # domain.webhooks.DeliveryStatus
    Column("attempts", Integer, nullable=False),
    Column("status_code", Integer),  # of the last attempt, when the subscriber answered
    Column("response_ms", Integer),  # of the last attempt
    Column("error", Text),  # of the last failed attempt
    Column("created_at", UtcDateTime, nullable=False),  # when the event committed
    Column("updated_at", UtcDateTime, nullable=False),
    Column("delivered_at", UtcDateTime),
    Index(None, "subscription_id", "id"),
    Index(None, "subscription_id", "status"),
)
