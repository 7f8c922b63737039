"""Buyer notifications: one row per (order, event, parcel), its rendered mail and its status.

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UtcDateTime = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("order_id", sa.String(26), nullable=False),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("parcel", sa.String(200), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("facts", sa.Text()),
        sa.Column("recipient", sa.String(300)),
        sa.Column("message_id", sa.String(300)),
        sa.Column("subject", sa.Text()),
        sa.Column("text", sa.Text()),
        sa.Column("html", sa.Text()),
        sa.Column("language", sa.String(10)),
        sa.Column("attachment", sa.String(300)),
        sa.Column("error", sa.Text()),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("sent_at", UtcDateTime),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_notifications_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint(
            "order_id", "event", "parcel", name=op.f("uq_notifications_order_id_event_parcel")
        ),
    )
    op.create_index(op.f("ix_notifications_status_id"), "notifications", ["status", "id"])
    op.create_index(op.f("ix_notifications_event_id"), "notifications", ["event", "id"])


def downgrade() -> None:
    op.drop_table("notifications")
