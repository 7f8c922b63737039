"""Stock out to every channel: the tables of the stock sync (services/stock_sync/)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, String, Table, Text

from hub.store.columns import BigId, UtcDateTime, metadata

# Stock sync out (services/stock_sync). A movement appends its SKUs to ``stock_dirty`` in
# its own transaction (inserts only: it never waits on another transaction's lock); the
# fan-out turns them into one pending row per (connection, SKU) and deletes what it read;
# a push job per connection sends the newest figure of its pending rows. ``version`` goes
# up on every change, so a push only clears a row nothing has changed since it was read.
stock_dirty = Table(
    "stock_dirty",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),  # append-only: no row locks
    Column("sku", String(100), nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
)

stock_sync = Table(
    "stock_sync",
    metadata,
    Column("connection", String(64), primary_key=True),
    Column("sku", String(100), primary_key=True),
    Column("pending", Boolean, nullable=False),
    Column("force", Boolean, nullable=False),  # push even when the figure looks unchanged
    Column("version", BigInteger, nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
    Column("pushed_quantity", Integer),  # the last figure the channel took
    Column("pushed_at", UtcDateTime),
    Column("attempts", Integer, nullable=False),  # failed pushes since the last success
    Column("last_error", Text),
    Column("checked_at", UtcDateTime),  # last drift check
    # the figure (and listing) the partner refused for good: not sent again until it changes
    Column("refused_quantity", Integer),
    Column("refused_listing", String(200)),
    Index(None, "connection", "pending", "changed_at", "sku"),  # the push job's next batch
)

stock_drift = Table(
    "stock_drift",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("connection", String(64), nullable=False),
    Column("sku", String(100), nullable=False),
    Column("hub_quantity", Integer, nullable=False),
    Column("channel_quantity", Integer, nullable=False),
    Index(None, "connection", "at"),
)
