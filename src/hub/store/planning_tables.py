"""The planning schema (issue 16): demand history, forecasts, replenishment inputs, purchase
orders. Declared on the one ``metadata`` of ``hub.store.tables``; changes only through
migrations/ (``0013_demand``).

Demand history is a daily aggregate, ``demand_daily``: units per (SKU, channel, day,
location, kind, source), so one table answers both per SKU x channel and per SKU x location
(sum over the other). ``kind`` is ``sold`` or ``returned``; ``source`` is ``orders`` (kept
by the incremental update, ``services/demand``) or ``import`` (``hub history import``).
What each order (or return) put into it is kept in ``demand_entries``, so a changed or
cancelled order takes exactly its own units out again; ``demand_orders`` remembers which
version of each order was counted.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from hub.store.tables import BigId, UtcDateTime, metadata, orders

# the demand update reads the orders changed since its cursor (services/demand/update.py)
orders_by_change = Index("ix_orders_updated_at", orders.c.updated_at)

demand_daily = Table(
    "demand_daily",
    metadata,
    Column("sku", String(100), primary_key=True),
    Column("channel", String(64), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("location", String(64), primary_key=True),  # "" where not known
    Column("kind", String(10), primary_key=True),  # sold, returned
    Column("source", String(10), primary_key=True),  # orders, import
    Column("units", BigInteger, nullable=False),
)

demand_entries = Table(
    "demand_entries",
    metadata,
    Column("ref", String(40), primary_key=True),  # order:<id>, return:<id>
    Column("kind", String(10), primary_key=True),
    Column("sku", String(100), primary_key=True),
    Column("location", String(64), primary_key=True),
    Column("channel", String(64), nullable=False),
    Column("day", Date, nullable=False),
    Column("units", Integer, nullable=False),
)

demand_orders = Table(
    "demand_orders",
    metadata,
    Column("order_id", String(26), primary_key=True),
    Column("version", Integer, nullable=False),
)

forecast_runs = Table(
    "forecast_runs",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("status", String(10), nullable=False),  # running, done, failed
    Column("history_end", Date, nullable=False),  # the last day of history used
    Column("horizon_weeks", Integer, nullable=False),
    Column("series", Integer, nullable=False),
    Column("error", Text),
    Index(None, "started_at"),
)

# the latest forecast of each series; channel "" is the SKU over every channel
forecasts = Table(
    "forecasts",
    metadata,
    Column("sku", String(100), primary_key=True),
    Column("channel", String(64), primary_key=True),
    Column("run_id", BigInteger, nullable=False),
    Column("history_start", Date, nullable=False),
    Column("history_end", Date, nullable=False),
    Column("demand_class", String(20), nullable=False),
    Column("model", String(50), nullable=False),
    Column("mase", Float),
    Column("bias", Float),
    Column("baseline", String(50)),
    Column("baseline_mase", Float),
    Column("beats_baseline", Boolean),
    Column("demand_per_day", Float, nullable=False),
    Column("error_per_day", Float, nullable=False),
    Column("doc", LargeBinary, nullable=False),  # hub.forecasting.Forecast as JSON
)

# each SKU's forecast demand split over the locations it is sold from (at the run)
forecast_locations = Table(
    "forecast_locations",
    metadata,
    Column("sku", String(100), primary_key=True),
    Column("location", String(64), ForeignKey("locations.code"), primary_key=True),
    Column("share", Float, nullable=False),
    Column("demand_per_day", Float, nullable=False),
    Column("error_per_day", Float, nullable=False),
    Column("run_id", BigInteger, nullable=False),
)

suppliers = Table(
    "suppliers",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("lead_time_days", Integer, nullable=False),
    Column("review_period_days", Integer, nullable=False),
    Column("service_level", Float, nullable=False),
)

# per SKU and location ("" = every location of the SKU); a None falls through to the
# supplier's figure, then to the hub's default (services/replenishment)
replenishment_settings = Table(
    "replenishment_settings",
    metadata,
    Column("sku", String(100), primary_key=True),
    Column("location", String(64), primary_key=True),
    Column("supplier", String(64), ForeignKey("suppliers.code")),
    Column("lead_time_days", Integer),
    Column("review_period_days", Integer),
    Column("service_level", Float),
    Column("updated_at", UtcDateTime, nullable=False),
)

purchase_orders = Table(
    "purchase_orders",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("supplier", String(100), nullable=False),
    Column("location", String(64), ForeignKey("locations.code"), nullable=False),
    Column("expected_on", Date, nullable=False),
    Column("status", String(10), nullable=False),  # open, received, closed
    Column("reference", String(200)),
    Column("created_by", String(100), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index(None, "status", "location"),
)

purchase_order_lines = Table(
    "purchase_order_lines",
    metadata,
    Column("purchase_order_id", String(26), ForeignKey("purchase_orders.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("sku", String(100), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("received", Integer, nullable=False),
    UniqueConstraint("purchase_order_id", "sku"),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("received >= 0 AND received <= quantity", name="received_within_ordered"),
    Index(None, "sku"),
)
