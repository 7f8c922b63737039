"""Stock sync out: dirty SKUs, per-(connection, SKU) push state, drift found.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "stock_dirty",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("sku", sa.String(100), nullable=False),
        sa.Column("changed_at", When, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_dirty")),
    )
    op.create_table(
        "stock_sync",
        sa.Column("connection", sa.String(64), nullable=False),
        sa.Column("sku", sa.String(100), nullable=False),
        sa.Column("pending", sa.Boolean(), nullable=False),
        sa.Column("force", sa.Boolean(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", When, nullable=False),
        sa.Column("pushed_quantity", sa.Integer(), nullable=True),
        sa.Column("pushed_at", When, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("checked_at", When, nullable=True),
        sa.PrimaryKeyConstraint("connection", "sku", name=op.f("pk_stock_sync")),
    )
    op.create_index(
        op.f("ix_stock_sync_connection_pending_changed_at_sku"),
        "stock_sync",
        ["connection", "pending", "changed_at", "sku"],
    )
    op.create_table(
        "stock_drift",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("at", When, nullable=False),
        sa.Column("connection", sa.String(64), nullable=False),
        sa.Column("sku", sa.String(100), nullable=False),
        sa.Column("hub_quantity", sa.Integer(), nullable=False),
        sa.Column("channel_quantity", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_drift")),
    )
    op.create_index(op.f("ix_stock_drift_connection_at"), "stock_drift", ["connection", "at"])


def downgrade() -> None:
    op.drop_table("stock_drift")
    op.drop_index(op.f("ix_stock_sync_connection_pending_changed_at_sku"), table_name="stock_sync")
    op.drop_table("stock_sync")
    op.drop_table("stock_dirty")
