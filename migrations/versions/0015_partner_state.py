"""Partner resilience: circuit breakers and token buckets shared by every worker, and the
figure a channel refused for good per stock sync row.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "partner_breakers",
        sa.Column("connection", sa.String(64), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("opened", sa.Integer(), nullable=False),
        sa.Column("open_until", When, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_failure_at", When, nullable=True),
        sa.Column("updated_at", When, nullable=False),
        sa.PrimaryKeyConstraint("connection", name=op.f("pk_partner_breakers")),
    )
    op.create_table(
        "rate_buckets",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("stamp", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_buckets")),
    )
    with op.batch_alter_table("stock_sync") as batch:
        batch.add_column(sa.Column("refused_quantity", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("refused_listing", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("stock_sync") as batch:
        batch.drop_column("refused_listing")
        batch.drop_column("refused_quantity")
    op.drop_table("rate_buckets")
    op.drop_table("partner_breakers")
