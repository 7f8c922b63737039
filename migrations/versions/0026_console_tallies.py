"""The console's tallies: orders per channel and status, and orders placed per channel and
hour, kept by the order store as it writes (``hub.store.order_tally``), so the Today page
reads a few rows instead of counting the orders (each cell split over slots, so writers on
PostgreSQL seldom wait for one row); and on SQLite a trigram FTS5 index over
the orders' search text (``q``), kept by triggers. PostgreSQL has its trigram index already.
Both tallies are filled from the orders already stored.

Revision ID: 0026
Revises: 0025
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE orders_search USING fts5(order_id UNINDEXED, search, tokenize='trigram')",
    "INSERT INTO orders_search (order_id, search) SELECT id, search FROM orders",
    "CREATE TRIGGER orders_search_insert AFTER INSERT ON orders BEGIN"
    " INSERT INTO orders_search (order_id, search) VALUES (new.id, new.search); END",
    "CREATE TRIGGER orders_search_update AFTER UPDATE OF search ON orders"
    " WHEN old.search IS NOT new.search BEGIN"
    " DELETE FROM orders_search WHERE order_id = old.id;"
    " INSERT INTO orders_search (order_id, search) VALUES (new.id, new.search); END",
    "CREATE TRIGGER orders_search_delete AFTER DELETE ON orders BEGIN"
    " DELETE FROM orders_search WHERE order_id = old.id; END",
]


def _backfill(conn: sa.Connection) -> None:
    placed_at = sa.column("placed_at", sa.DateTime(timezone=True))
    orders = sa.table("orders", sa.column("channel"), sa.column("status"), placed_at)
    counts = sa.table(
        "order_counts", sa.column("channel"), sa.column("status"), sa.column("slot"), sa.column("n")
    )
    hour = sa.column("hour", sa.DateTime(timezone=True))
    hours = sa.table("order_hours", sa.column("channel"), hour, sa.column("slot"), sa.column("n"))
    by_status = sa.select(orders.c.channel, orders.c.status, sa.func.count()).group_by(
        orders.c.channel, orders.c.status
    )
    rows = [{"channel": c, "status": s, "slot": 0, "n": n} for c, s, n in conn.execute(by_status)]
    if rows:
        conn.execute(counts.insert(), rows)
    placed: Counter[tuple[str, object]] = Counter()
    query = sa.select(orders.c.channel, orders.c.placed_at)
    for channel, at in conn.execute(query.execution_options(yield_per=10_000)):
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
        placed[(channel, at.replace(minute=0, second=0, microsecond=0))] += 1
    rows = [{"channel": c, "hour": h, "slot": 0, "n": n} for (c, h), n in sorted(placed.items())]
    if rows:
        conn.execute(hours.insert(), rows)


def upgrade() -> None:
    op.create_table(
        "order_counts",
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("slot", sa.SmallInteger(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("channel", "status", "slot", name=op.f("pk_order_counts")),
    )
    op.create_table(
        "order_hours",
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("slot", sa.SmallInteger(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("channel", "hour", "slot", name=op.f("pk_order_hours")),
    )
    op.create_index(op.f("ix_order_hours_hour"), "order_hours", ["hour"])
    conn = op.get_bind()
    _backfill(conn)
    if conn.dialect.name == "sqlite":
        for statement in SQLITE_SEARCH:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER orders_search_{name}")
        op.execute("DROP TABLE orders_search")
    op.drop_index(op.f("ix_order_hours_hour"), table_name="order_hours")
    op.drop_table("order_hours")
    op.drop_table("order_counts")
