"""Every quarantine reason of an inbound message, kept: a replay that fails for another
reason (or in a shell without the connection) no longer hides the first one.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "inbound_reasons",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(26), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["inbound_messages.id"],
            name=op.f("fk_inbound_reasons_message_id_inbound_messages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_reasons")),
    )
    op.create_index(
        op.f("ix_inbound_reasons_message_id_id"), "inbound_reasons", ["message_id", "id"]
    )
    # The reason each message holds now is the first of its history.
    op.execute(
        "INSERT INTO inbound_reasons (message_id, at, actor, reason) "
        "SELECT id, updated_at, 'worker', reason FROM inbound_messages "
        "WHERE reason IS NOT NULL ORDER BY id"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_inbound_reasons_message_id_id"), table_name="inbound_reasons")
    op.drop_table("inbound_reasons")
