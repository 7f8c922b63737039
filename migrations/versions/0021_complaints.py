"""Complaints and their lines; orders linked to another (a complaint's reship); parcels
indexed by when they shipped, and the units shipped per day by carrier, location and SKU
(``shipped_daily``, filled from the parcels already recorded): the complaint rates.

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("linked_order_id", sa.String(26), nullable=True))
        batch.add_column(sa.Column("link_kind", sa.String(20), nullable=True))
    op.create_index(op.f("ix_orders_linked_order_id"), "orders", ["linked_order_id"])
    op.create_index(op.f("ix_shipments_shipped_at"), "shipments", ["shipped_at"])
    op.create_table(
        "complaints",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("order_id", sa.String(26), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("due_at", WHEN, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", WHEN, nullable=True),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.Column("outcome_detail", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("closed_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_complaints_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
    )
    for columns in (["created_at", "id"], ["status", "due_at"],
                    ["channel", "created_at", "id"], ["order_id"]):  # fmt: skip
        op.create_index(op.f(f"ix_complaints_{'_'.join(columns)}"), "complaints", columns)
    op.create_table(
        "complaint_lines",
        sa.Column("complaint_id", sa.String(26), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(100), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_complaint_lines_complaint_id_complaints"),
        ),
        sa.PrimaryKeyConstraint("complaint_id", "position", name=op.f("pk_complaint_lines")),
    )
    _shipped_daily()


def downgrade() -> None:
    op.drop_table("shipped_daily")
    op.drop_table("complaint_lines")
    op.drop_table("complaints")
    op.drop_index(op.f("ix_shipments_shipped_at"), table_name="shipments")
    op.drop_index(op.f("ix_orders_linked_order_id"), table_name="orders")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("link_kind")
        batch.drop_column("linked_order_id")


def _shipped_daily() -> None:
    """The units of every parcel already shipped, per UTC day by carrier, location, SKU."""
    op.create_table(
        "shipped_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("dimension", sa.String(10), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "dimension", "key", name=op.f("pk_shipped_daily")),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT s.shipped_at, COALESCE(s.carrier, f.carrier) AS carrier, f.location, "
            "l.sku, l.quantity FROM shipments s "
            "JOIN shipment_lines l ON l.shipment_id = s.id "
            "JOIN fulfilments f ON f.id = s.fulfilment_id"
        )
    )
    cells: dict[tuple[date, str, str], int] = {}
    for r in rows:
        at = r.shipped_at
        if isinstance(at, str):  # SQLite hands back text
            at = datetime.fromisoformat(at)
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
        keys = ((r.carrier or "unknown")[:100], r.location or "unknown", r.sku)
        for dimension, key in zip(("carrier", "location", "sku"), keys, strict=True):
            cell = (at.date(), dimension, key)
            cells[cell] = cells.get(cell, 0) + r.quantity
    table = sa.table("shipped_daily", *(sa.column(n) for n in ("day", "dimension", "key", "units")))
    values = [{"day": d, "dimension": dim, "key": k, "units": n}
              for (d, dim, k), n in sorted(cells.items())]  # fmt: skip
    for start in range(0, len(values), 1000):
        conn.execute(sa.insert(table), values[start : start + 1000])
