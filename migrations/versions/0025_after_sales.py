"""After-sales: a return's exchange (its replacement lines and the order made of them) and a
complaint refund's way to the channel (queued, then recorded).

Revision ID: 0025
Revises: 0024
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("returns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("exchange_lines", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("exchange_order_id", sa.String(26), nullable=True))
    op.create_index(op.f("ix_returns_label_tracking"), "returns", ["label_tracking"])
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("refund_state", sa.String(10), nullable=True))
        batch_op.add_column(sa.Column("refund_amount", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("refund_reference", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_column("refund_reference")
        batch_op.drop_column("refund_amount")
        batch_op.drop_column("refund_state")
    with op.batch_alter_table("returns", schema=None) as batch_op:
        batch_op.drop_index(op.f("ix_returns_label_tracking"))
        batch_op.drop_column("exchange_order_id")
        batch_op.drop_column("exchange_lines")
