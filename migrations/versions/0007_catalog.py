"""Catalog: SKUs, their listing identifiers per connection, SKU aliases and bundles.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "skus",
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("attributes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_skus")),
    )
    op.create_table(
        "sku_listings",
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("connection", sa.String(length=64), nullable=False),
        sa.Column("listing_id", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["sku"], ["skus.sku"], name=op.f("fk_sku_listings_sku_skus")),
        sa.PrimaryKeyConstraint("sku", "connection", name=op.f("pk_sku_listings")),
        sa.UniqueConstraint(
            "connection", "listing_id", name=op.f("uq_sku_listings_connection_listing_id")
        ),
    )
    op.create_table(
        "sku_aliases",
        sa.Column("alias", sa.String(length=100), nullable=False),
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["sku"], ["skus.sku"], name=op.f("fk_sku_aliases_sku_skus")),
        sa.PrimaryKeyConstraint("alias", name=op.f("pk_sku_aliases")),
    )
    op.create_index(op.f("ix_sku_aliases_sku"), "sku_aliases", ["sku"])
    op.create_table(
        "bundle_components",
        sa.Column("bundle_sku", sa.String(length=100), nullable=False),
        sa.Column("component_sku", sa.String(length=100), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_bundle_components_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["bundle_sku"], ["skus.sku"], name=op.f("fk_bundle_components_bundle_sku_skus")
        ),
        sa.ForeignKeyConstraint(
            ["component_sku"], ["skus.sku"], name=op.f("fk_bundle_components_component_sku_skus")
        ),
        sa.PrimaryKeyConstraint("bundle_sku", "component_sku", name=op.f("pk_bundle_components")),
    )
    op.create_index(
        op.f("ix_bundle_components_component_sku"), "bundle_components", ["component_sku"]
    )


def downgrade() -> None:
    op.drop_table("bundle_components")
    op.drop_table("sku_aliases")
    op.drop_table("sku_listings")
    op.drop_table("skus")
