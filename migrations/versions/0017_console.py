"""The operator console: its signing secret, and indexes for its work queue (orders flagged
for attention, open fulfilments by age).

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_secrets",
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_console_secrets")),
    )
    flagged = sa.text("attention IS NOT NULL")
    op.create_index(
        "ix_orders_attention",
        "orders",
        ["updated_at"],
        postgresql_where=flagged,
        sqlite_where=flagged,
    )
    op.create_index(
        op.f("ix_fulfilments_status_created_at"), "fulfilments", ["status", "created_at"]
    )
    op.create_index(
        op.f("ix_inbound_messages_connection_source_received_at"),
        "inbound_messages",
        ["connection", "source", "received_at"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_inbound_messages_connection_source_received_at"), table_name="inbound_messages"
    )
    op.drop_index(op.f("ix_fulfilments_status_created_at"), table_name="fulfilments")
    op.drop_index("ix_orders_attention", table_name="orders")
    op.drop_table("console_secrets")
