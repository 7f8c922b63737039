"""Orders: an index for each filter of ``GET /orders``, ``search`` for its ``q``, and
``edits``, the fields an operator changed (``PATCH /orders/{id}``).

``search`` holds the lower-cased number, external id and number, buyer name and email and
ship-to name; this migration fills it for the orders already stored. On PostgreSQL a
trigram index (the ``pg_trgm`` extension, trusted since PostgreSQL 13: the database owner
may create it) answers ``q``; the time indexes now end with ``id``, the sort's tie-break.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_orders = sa.table(
    "orders",
    sa.column("id", sa.String),
    sa.column("number", sa.String),
    sa.column("doc", sa.LargeBinary),
    sa.column("search", sa.Text),
)
_BATCH = 1000
_NEW = [
    ("ix_orders_channel_placed_at_id", ["channel", "placed_at", "id"]),
    ("ix_orders_status_placed_at_id", ["status", "placed_at", "id"]),
    ("ix_orders_placed_at_id", ["placed_at", "id"]),
    ("ix_orders_updated_at_id", ["updated_at", "id"]),
    ("ix_orders_external_id", ["external_id"]),
]
_OLD = [
    ("ix_orders_status_id", ["status", "id"]),
    ("ix_orders_channel_id", ["channel", "id"]),
    ("ix_orders_placed_at", ["placed_at"]),
]


def _search(number: str, doc: dict[str, Any]) -> str:
    """The same text as ``hub.store.order_queries.search_text`` (as of this revision)."""
    customer = doc.get("customer") or {}
    ship_to = doc.get("shipping_address") or {}
    parts = [number, doc.get("external_id"), doc.get("external_number"), customer.get("name")]
    parts += [customer.get("email"), ship_to.get("name")]
    return "\n".join(str(p).lower() for p in parts if p)


def _fill_search(bind: sa.Connection) -> None:
    after = ""
    while True:
        rows = bind.execute(
            sa.select(_orders.c.id, _orders.c.number, _orders.c.doc)
            .where(_orders.c.id > after)
            .order_by(_orders.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        bind.execute(
            sa.update(_orders)
            .where(_orders.c.id == sa.bindparam("b_id"))
            .values(search=sa.bindparam("b_search")),
            [{"b_id": r.id, "b_search": _search(r.number, json.loads(r.doc))} for r in rows],
        )
        after = rows[-1].id


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column(
        "orders", sa.Column("search", sa.Text(), server_default=sa.text("''"), nullable=False)
    )
    op.add_column("orders", sa.Column("edits", sa.Text(), nullable=True))
    _fill_search(bind)
    for name, _ in _OLD:
        op.drop_index(name, table_name="orders")
    for name, columns in _NEW:
        op.create_index(name, "orders", columns)
    if bind.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            "ix_orders_search_trgm",
            "orders",
            ["search"],
            postgresql_using="gin",
            postgresql_ops={"search": "gin_trgm_ops"},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_orders_search_trgm", table_name="orders")
    for name, _ in _NEW:
        op.drop_index(name, table_name="orders")
    for name, columns in _OLD:
        op.create_index(name, "orders", columns)
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("search")
        batch.drop_column("edits")
