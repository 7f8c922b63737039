"""Documents: issued invoices, receipts and credit notes, and their series' counters.

A document is insert-only: a trigger refuses any UPDATE other than storing its PDF the
first time (``pdf`` NULL -> bytes, with ``pdf_at``), and refuses every DELETE, on both
databases.

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

FROZEN = [
    "id", "series", "counter", "seq", "number", "kind", "order_id", "credits_id", "issued_at",
    "issue_date", "currency", "net", "tax", "gross", "actor", "content", "einvoice",
]  # fmt: skip

PG_FUNCTION = """
CREATE FUNCTION documents_immutable() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'an issued document is never deleted';
  END IF;
  IF OLD.pdf IS NOT NULL OR ({changed}) THEN
    RAISE EXCEPTION 'an issued document is never changed (only its PDF is stored, once)';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql
"""


def _pg() -> None:
    changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in FROZEN)
    op.execute(PG_FUNCTION.format(changed=changed))
    op.execute(
        "CREATE TRIGGER documents_immutable BEFORE UPDATE OR DELETE ON documents "
        "FOR EACH ROW EXECUTE FUNCTION documents_immutable()"
    )


def _sqlite() -> None:
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in FROZEN)
    op.execute(
        "CREATE TRIGGER documents_no_update BEFORE UPDATE ON documents "
        f"WHEN OLD.pdf IS NOT NULL OR {changed} "
        "BEGIN SELECT RAISE(ABORT, 'an issued document is never changed'); END"
    )
    op.execute(
        "CREATE TRIGGER documents_no_delete BEFORE DELETE ON documents "
        "BEGIN SELECT RAISE(ABORT, 'an issued document is never deleted'); END"
    )


def upgrade() -> None:
    op.create_table(
        "document_counters",
        sa.Column("counter", sa.String(64), nullable=False),
        sa.Column("last", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("counter", name=op.f("pk_document_counters")),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("series", sa.String(64), nullable=False),
        sa.Column("counter", sa.String(64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("order_id", sa.String(26), nullable=False),
        sa.Column("credits_id", sa.String(26), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("net", sa.BigInteger(), nullable=False),
        sa.Column("tax", sa.BigInteger(), nullable=False),
        sa.Column("gross", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("einvoice", sa.Boolean(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("pdf_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_documents_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["credits_id"], ["documents.id"], name=op.f("fk_documents_credits_id_documents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("number", name=op.f("uq_documents_number")),
        sa.UniqueConstraint("counter", "seq", name=op.f("uq_documents_counter_seq")),
    )
    op.create_index(op.f("ix_documents_order_id_issued_at"), "documents", ["order_id", "issued_at"])
    op.create_index(op.f("ix_documents_issued_at_id"), "documents", ["issued_at", "id"])
    op.create_index(
        op.f("ix_documents_series_issued_at_id"), "documents", ["series", "issued_at", "id"]
    )
    if op.get_bind().dialect.name == "postgresql":
        _pg()
    else:
        _sqlite()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER documents_immutable ON documents")
        op.execute("DROP FUNCTION documents_immutable()")
    op.drop_table("documents")
    op.drop_table("document_counters")
