"""Payment transactions, and each order's payment figures on its row.

Every order stored before keeps its payment status: it is given the transactions that status
stands for, dated when the order was placed (source ``migration``, referenced like the ones
a channel's status implies, ``status:<status>``, so the same status reported again adds
nothing): paid -> a capture of the total; authorized -> an authorization of it; refunded ->
a capture and a refund of it; partially_refunded -> a capture of it and a refund of 0 (the
amount was never kept); voided -> an authorization and its void; failed -> a failed
authorization; pending -> none.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
CHUNK = 1000
#: status -> (kind, transaction status) in the order they are recorded
IMPLIED: dict[str, list[tuple[str, str]]] = {
    "pending": [],
    "paid": [("capture", "succeeded")],
    "authorized": [("authorization", "succeeded")],
    "refunded": [("capture", "succeeded"), ("refund", "succeeded")],
    "partially_refunded": [("capture", "succeeded"), ("refund", "succeeded")],
    "voided": [("authorization", "succeeded"), ("void", "succeeded")],
    "failed": [("authorization", "failed")],
}
#: status -> (authorized, captured, refunded) as multiples of the total
FIGURES: dict[str, tuple[int, int, int]] = {
    "pending": (0, 0, 0),
    "paid": (0, 1, 0),
    "authorized": (1, 0, 0),
    "refunded": (0, 1, 1),
    "partially_refunded": (0, 1, 0),
    "voided": (0, 0, 0),
    "failed": (0, 0, 0),
}
UNKNOWN = "the amount of the partial refund was not kept before migration 0016"


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(
            sa.Column(
                "payment_status", sa.String(20), nullable=False, server_default=sa.text("'pending'")
            )
        )
        for name in ("paid_authorized", "paid_captured", "paid_refunded"):
            batch.add_column(
                sa.Column(name, sa.BigInteger(), nullable=False, server_default=sa.text("0"))
            )
        batch.add_column(sa.Column("awaiting_payment", sa.String(20), nullable=True))
    op.create_table(
        "payment_transactions",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("order_id", sa.String(26), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("method", sa.String(200), nullable=True),
        sa.Column("reference", sa.String(200), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_payment_transactions_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_transactions")),
        sa.UniqueConstraint(
            "order_id",
            "reference",
            "kind",
            name=op.f("uq_payment_transactions_order_id_reference_kind"),
        ),
    )
    op.create_index(
        op.f("ix_payment_transactions_order_id_id"), "payment_transactions", ["order_id", "id"]
    )
    _backfill(op.get_bind())


def _orders(conn: sa.Connection) -> Iterator[list[Any]]:
    after = ""
    while True:
        rows = conn.execute(
            sa.text(
                "SELECT id, status, placed_at, currency, total, doc FROM orders "
                "WHERE id > :after ORDER BY id LIMIT :n"
            ),
            {"after": after, "n": CHUNK},
        ).all()
        if not rows:
            return
        yield rows
        after = rows[-1].id


def _at(value: Any) -> datetime:
    if isinstance(value, str):  # SQLite hands back text
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _backfill(conn: sa.Connection) -> None:
    now = datetime.now(UTC)
    when = sa.DateTime(timezone=True)
    table = sa.table(
        "payment_transactions",
        *(sa.column(n) for n in ("order_id", "kind", "amount", "currency", "reference")),
        *(sa.column(n) for n in ("status", "source", "actor", "note")),
        sa.column("at", when),
        sa.column("recorded_at", when),
    )
    for rows in _orders(conn):
        by_status: dict[str, list[str]] = {}
        transactions: list[dict[str, Any]] = []
        for row in rows:
            doc = row.doc if isinstance(row.doc, bytes | str) else bytes(row.doc)
            status = (json.loads(doc).get("payment") or {}).get("status") or "pending"
            by_status.setdefault(status, []).append(row.id)
            for kind, state in IMPLIED[status]:
                unknown = status == "partially_refunded" and kind == "refund"
                transactions.append(
                    {
                        "order_id": row.id, "kind": kind, "amount": 0 if unknown else row.total,
                        "currency": row.currency, "reference": f"status:{status}",
                        "status": state, "at": _at(row.placed_at), "source": "migration",
                        "actor": "migration", "note": UNKNOWN if unknown else None,
                        "recorded_at": now,
                    }
                )  # fmt: skip
        for status, ids in by_status.items():
            a, c, r = FIGURES[status]
            conn.execute(
                sa.text(
                    "UPDATE orders SET payment_status = :s, paid_authorized = total * :a, "
                    "paid_captured = total * :c, paid_refunded = total * :r WHERE id IN :ids"
                ).bindparams(sa.bindparam("ids", expanding=True)),
                {"s": status, "a": a, "c": c, "r": r, "ids": ids},
            )
        if transactions:
            conn.execute(sa.insert(table), transactions)


def downgrade() -> None:
    op.drop_index(op.f("ix_payment_transactions_order_id_id"), table_name="payment_transactions")
    op.drop_table("payment_transactions")
    with op.batch_alter_table("orders") as batch:
        for name in (
            "awaiting_payment",
            "paid_refunded",
            "paid_captured",
            "paid_authorized",
            "payment_status",
        ):
            batch.drop_column(name)
