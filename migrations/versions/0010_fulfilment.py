"""Fulfilments, their lines, shipments (parcels) with their lines, and orders waiting for
a route.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "fulfilments",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("order_id", sa.String(26), nullable=False),
        sa.Column("location", sa.String(64), nullable=False),
        sa.Column("connection", sa.String(64), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("partner_ref", sa.String(200), nullable=True),
        sa.Column("rule", sa.String(200), nullable=True),
        sa.Column("service_level", sa.String(50), nullable=True),
        sa.Column("carrier", sa.String(100), nullable=True),
        sa.Column("service", sa.String(100), nullable=True),
        sa.Column("label", sa.LargeBinary(), nullable=True),
        sa.Column("label_format", sa.String(10), nullable=True),
        sa.Column("label_tracking", sa.String(100), nullable=True),
        sa.Column("label_url", sa.Text(), nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_fulfilments_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fulfilments")),
    )
    op.create_index(op.f("ix_fulfilments_order_id"), "fulfilments", ["order_id"])
    op.create_index(op.f("ix_fulfilments_location_status"), "fulfilments", ["location", "status"])
    op.create_table(
        "fulfilment_lines",
        sa.Column("fulfilment_id", sa.String(26), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(100), nullable=False),
        sa.Column("line_id", sa.String(200), nullable=True),
        sa.Column("name", sa.String(500), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("shipped", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fulfilment_id"],
            ["fulfilments.id"],
            name=op.f("fk_fulfilment_lines_fulfilment_id_fulfilments"),
        ),
        sa.PrimaryKeyConstraint("fulfilment_id", "position", name=op.f("pk_fulfilment_lines")),
    )
    op.create_table(
        "shipments",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("fulfilment_id", sa.String(26), nullable=False),
        sa.Column("order_id", sa.String(26), nullable=False),
        sa.Column("parcel_key", sa.String(200), nullable=False),
        sa.Column("carrier", sa.String(100), nullable=True),
        sa.Column("service", sa.String(100), nullable=True),
        sa.Column("tracking_number", sa.String(100), nullable=True),
        sa.Column("tracking_url", sa.Text(), nullable=True),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("status_detail", sa.Text(), nullable=True),
        sa.Column("estimated_delivery", sa.String(10), nullable=True),
        sa.Column("shipped_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sa.ForeignKeyConstraint(
            ["fulfilment_id"],
            ["fulfilments.id"],
            name=op.f("fk_shipments_fulfilment_id_fulfilments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipments")),
        sa.UniqueConstraint(
            "fulfilment_id", "parcel_key", name=op.f("uq_shipments_fulfilment_id_parcel_key")
        ),
    )
    op.create_index(op.f("ix_shipments_tracking_number"), "shipments", ["tracking_number"])
    op.create_index(op.f("ix_shipments_order_id"), "shipments", ["order_id"])
    op.create_table(
        "shipment_lines",
        sa.Column("shipment_id", sa.String(26), nullable=False),
        sa.Column("sku", sa.String(100), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shipment_id"], ["shipments.id"], name=op.f("fk_shipment_lines_shipment_id_shipments")
        ),
        sa.PrimaryKeyConstraint("shipment_id", "sku", name=op.f("pk_shipment_lines")),
    )
    op.create_table(
        "route_waits",
        sa.Column("order_id", sa.String(26), nullable=False),
        sa.Column("since", When, nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_route_waits_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_route_waits")),
    )


def downgrade() -> None:
    op.drop_table("route_waits")
    op.drop_table("shipment_lines")
    op.drop_index(op.f("ix_shipments_order_id"), table_name="shipments")
    op.drop_index(op.f("ix_shipments_tracking_number"), table_name="shipments")
    op.drop_table("shipments")
    op.drop_table("fulfilment_lines")
    op.drop_index(op.f("ix_fulfilments_location_status"), table_name="fulfilments")
    op.drop_index(op.f("ix_fulfilments_order_id"), table_name="fulfilments")
    op.drop_table("fulfilments")
