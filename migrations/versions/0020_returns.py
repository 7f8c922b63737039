"""Returns: the return of an order, its lines and their receipts (services/returns).

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "returns",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("order_id", sa.String(26), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("opened_by", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(30), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("resolution", sa.String(20), nullable=False),
        sa.Column("policy", sa.Text(), nullable=True),
        sa.Column("decision", sa.Text(), nullable=True),
        sa.Column("location", sa.String(64), nullable=True),
        sa.Column("label_connection", sa.String(64), nullable=True),
        sa.Column("label_carrier", sa.String(100), nullable=True),
        sa.Column("label_tracking", sa.String(100), nullable=True),
        sa.Column("label_url", sa.Text(), nullable=True),
        sa.Column("label", sa.LargeBinary(), nullable=True),
        sa.Column("label_format", sa.String(10), nullable=True),
        sa.Column("label_cost", sa.BigInteger(), nullable=True),
        sa.Column("refund_amount", sa.BigInteger(), nullable=True),
        sa.Column("refund_state", sa.String(10), nullable=True),
        sa.Column("refund_reference", sa.String(200), nullable=True),
        sa.Column("refund_detail", sa.Text(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_returns_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_returns")),
        sa.UniqueConstraint("channel", "external_id", name=op.f("uq_returns_channel_external_id")),
    )
    op.create_index(op.f("ix_returns_order_id"), "returns", ["order_id"])
    op.create_index(
        op.f("ix_returns_status_created_at_id"), "returns", ["status", "created_at", "id"]
    )
    op.create_index(op.f("ix_returns_created_at_id"), "returns", ["created_at", "id"])
    op.create_table(
        "return_lines",
        sa.Column("return_id", sa.String(26), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(100), nullable=False),
        sa.Column("line_id", sa.String(200), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "received >= 0 AND received <= quantity",
            name=op.f("ck_return_lines_received_within_quantity"),
        ),
        sa.ForeignKeyConstraint(
            ["return_id"], ["returns.id"], name=op.f("fk_return_lines_return_id_returns")
        ),
        sa.PrimaryKeyConstraint("return_id", "position", name=op.f("pk_return_lines")),
    )
    op.create_table(
        "return_receipts",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("return_id", sa.String(26), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(100), nullable=False),
        sa.Column("grade", sa.String(10), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["return_id"], ["returns.id"], name=op.f("fk_return_receipts_return_id_returns")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_receipts")),
    )
    op.create_index(op.f("ix_return_receipts_return_id_id"), "return_receipts", ["return_id", "id"])


def downgrade() -> None:
    op.drop_table("return_receipts")
    op.drop_table("return_lines")
    op.drop_index(op.f("ix_returns_created_at_id"), table_name="returns")
    op.drop_index(op.f("ix_returns_status_created_at_id"), table_name="returns")
    op.drop_index(op.f("ix_returns_order_id"), table_name="returns")
    op.drop_table("returns")
