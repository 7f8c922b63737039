"""The console's tallies of orders (``hub.store.order_tally`` keeps them): per channel and
status, and placed per channel and hour. Each cell is split over ``slot``s (a writer picks
one; readers add them up), so concurrent writers on PostgreSQL seldom wait for the same row.
Declared on ``hub.store.columns.metadata``."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, SmallInteger, String, Table

from hub.store.columns import UtcDateTime, metadata

order_counts = Table(
    "order_counts",
    metadata,
    Column("channel", String(64), primary_key=True),
    Column("status", String(20), primary_key=True),
    Column("slot", SmallInteger, primary_key=True),
    Column("n", BigInteger, nullable=False),
)

order_hours = Table(
    "order_hours",
    metadata,
    Column("channel", String(64), primary_key=True),
    Column("hour", UtcDateTime, primary_key=True),  # placed_at, to the hour (UTC)
    Column("slot", SmallInteger, primary_key=True),
    Column("n", BigInteger, nullable=False),
    Index(None, "hour"),
)
