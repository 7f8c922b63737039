"""Order numbers from a sequence on PostgreSQL.

A counter row makes concurrent ingest transactions queue behind each other's row lock until
commit; a sequence hands out numbers without a lock (a rolled-back transaction leaves a gap,
as sequences do). SQLite has one writer at a time and keeps using the counter row.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE order_number_seq START WITH 100001 MINVALUE 100001 NO CYCLE")
        op.execute(
            "SELECT setval('order_number_seq', GREATEST(100001, "
            "(SELECT value FROM counters WHERE name = 'order_number') + 1), false)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE order_number_seq")
