"""Locations: where they are (routing by region, labels' ship-from) and who fulfils for them.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

COLUMNS = ("country", "region", "connection", "address")


def upgrade() -> None:
    op.add_column("locations", sa.Column("country", sa.String(2), nullable=True))
    op.add_column("locations", sa.Column("region", sa.String(50), nullable=True))
    # the connection that receives this location's fulfilments; None: the hub's own API
    op.add_column("locations", sa.Column("connection", sa.String(64), nullable=True))
    op.add_column("locations", sa.Column("address", sa.Text(), nullable=True))  # JSON


def downgrade() -> None:
    with op.batch_alter_table("locations") as batch:
        for name in COLUMNS:
            batch.drop_column(name)
