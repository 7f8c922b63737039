"""Planning: demand history (daily aggregate, per-order entries), forecasts and their runs,
replenishment settings and suppliers, purchase orders; an index on orders.updated_at for
the demand update's change feed.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)
Code = sa.String(64)
Sku = sa.String(100)


def _demand() -> None:
    op.create_index("ix_orders_updated_at", "orders", ["updated_at"])
    op.create_table(
        "demand_daily",
        sa.Column("sku", Sku, nullable=False),
        sa.Column("channel", Code, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("location", Code, nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "sku", "channel", "day", "location", "kind", "source", name=op.f("pk_demand_daily")
        ),
    )
    op.create_table(
        "demand_entries",
        sa.Column("ref", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("sku", Sku, nullable=False),
        sa.Column("location", Code, nullable=False),
        sa.Column("channel", Code, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("ref", "kind", "sku", "location", name=op.f("pk_demand_entries")),
    )
    op.create_table(
        "demand_orders",
        sa.Column("order_id", sa.String(26), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_demand_orders")),
    )


def _forecasts() -> None:
    op.create_table(
        "forecast_runs",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("started_at", When, nullable=False),
        sa.Column("finished_at", When, nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("history_end", sa.Date(), nullable=False),
        sa.Column("horizon_weeks", sa.Integer(), nullable=False),
        sa.Column("series", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_runs")),
    )
    op.create_index(op.f("ix_forecast_runs_started_at"), "forecast_runs", ["started_at"])
    op.create_table(
        "forecasts",
        sa.Column("sku", Sku, nullable=False),
        sa.Column("channel", Code, nullable=False),
        sa.Column("run_id", sa.BigInteger(), nullable=False),
        sa.Column("history_start", sa.Date(), nullable=False),
        sa.Column("history_end", sa.Date(), nullable=False),
        sa.Column("demand_class", sa.String(20), nullable=False),
        sa.Column("model", sa.String(50), nullable=False),
        sa.Column("mase", sa.Float(), nullable=True),
        sa.Column("bias", sa.Float(), nullable=True),
        sa.Column("baseline", sa.String(50), nullable=True),
        sa.Column("baseline_mase", sa.Float(), nullable=True),
        sa.Column("beats_baseline", sa.Boolean(), nullable=True),
        sa.Column("demand_per_day", sa.Float(), nullable=False),
        sa.Column("error_per_day", sa.Float(), nullable=False),
        sa.Column("doc", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sku", "channel", name=op.f("pk_forecasts")),
    )
    op.create_table(
        "forecast_locations",
        sa.Column("sku", Sku, nullable=False),
        sa.Column("location", Code, nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("demand_per_day", sa.Float(), nullable=False),
        sa.Column("error_per_day", sa.Float(), nullable=False),
        sa.Column("run_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location"], ["locations.code"], name=op.f("fk_forecast_locations_location_locations")
        ),
        sa.PrimaryKeyConstraint("sku", "location", name=op.f("pk_forecast_locations")),
    )


def _replenishment() -> None:
    op.create_table(
        "suppliers",
        sa.Column("code", Code, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("lead_time_days", sa.Integer(), nullable=False),
        sa.Column("review_period_days", sa.Integer(), nullable=False),
        sa.Column("service_level", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_suppliers")),
    )
    op.create_table(
        "replenishment_settings",
        sa.Column("sku", Sku, nullable=False),
        sa.Column("location", Code, nullable=False),
        sa.Column("supplier", Code, nullable=True),
        sa.Column("lead_time_days", sa.Integer(), nullable=True),
        sa.Column("review_period_days", sa.Integer(), nullable=True),
        sa.Column("service_level", sa.Float(), nullable=True),
        sa.Column("updated_at", When, nullable=False),
        sa.ForeignKeyConstraint(
            ["supplier"],
            ["suppliers.code"],
            name=op.f("fk_replenishment_settings_supplier_suppliers"),
        ),
        sa.PrimaryKeyConstraint("sku", "location", name=op.f("pk_replenishment_settings")),
    )


def _purchase_orders() -> None:
    op.create_table(
        "purchase_orders",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("supplier", sa.String(100), nullable=False),
        sa.Column("location", Code, nullable=False),
        sa.Column("expected_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("reference", sa.String(200), nullable=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sa.ForeignKeyConstraint(
            ["location"], ["locations.code"], name=op.f("fk_purchase_orders_location_locations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_orders")),
    )
    op.create_index(
        op.f("ix_purchase_orders_status_location"), "purchase_orders", ["status", "location"]
    )
    op.create_table(
        "purchase_order_lines",
        sa.Column("purchase_order_id", sa.String(26), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sku", Sku, nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_purchase_order_lines_quantity_positive")),
        sa.CheckConstraint(
            "received >= 0 AND received <= quantity",
            name=op.f("ck_purchase_order_lines_received_within_ordered"),
        ),
        sa.ForeignKeyConstraint(
            ["purchase_order_id"],
            ["purchase_orders.id"],
            name=op.f("fk_purchase_order_lines_purchase_order_id_purchase_orders"),
        ),
        sa.PrimaryKeyConstraint(
            "purchase_order_id", "position", name=op.f("pk_purchase_order_lines")
        ),
        sa.UniqueConstraint(
            "purchase_order_id", "sku", name=op.f("uq_purchase_order_lines_purchase_order_id_sku")
        ),
    )
    op.create_index(op.f("ix_purchase_order_lines_sku"), "purchase_order_lines", ["sku"])


def upgrade() -> None:
    _demand()
    _forecasts()
    _replenishment()
    _purchase_orders()


def downgrade() -> None:
    for table in (
        "purchase_order_lines",
        "purchase_orders",
        "replenishment_settings",
        "suppliers",
        "forecast_locations",
        "forecasts",
        "forecast_runs",
        "demand_orders",
        "demand_entries",
        "demand_daily",
    ):
        op.drop_table(table)
    op.drop_index("ix_orders_updated_at", table_name="orders")
