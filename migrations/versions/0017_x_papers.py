"""Stock levels: the bin, where a SKU lies at a location (the pick list's walking order).

Revision ID: 0017_x_papers
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_x_papers"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("stock_levels", sa.Column("bin", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("stock_levels") as batch:
        batch.drop_column("bin")
