"""API keys: an optional expiry, and the read scopes that came out of ``orders:read``.

Until this revision ``orders:read`` (and ``orders:write``, and every ``channel:<code>`` key)
also read stock, the catalog and the connections. Those now need ``stock:read``,
``catalog:read`` and ``connections:read``. So that no existing operator key loses what it
could do, keys holding ``orders:read`` or ``orders:write`` get the three read scopes here.
Channel keys do not: reading beyond their channel was the fault this revision closes.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

KEPT_READS = ("stock:read", "catalog:read", "connections:read")
keys = sa.table("api_keys", sa.column("id", sa.String), sa.column("scopes", sa.Text))


def upgrade() -> None:
    op.add_column("api_keys", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    conn = op.get_bind()
    for key_id, text in conn.execute(sa.select(keys.c.id, keys.c.scopes)).all():
        scopes = set(json.loads(text))
        if scopes & {"orders:read", "orders:write"}:
            widened = json.dumps(sorted(scopes | set(KEPT_READS)), separators=(",", ":"))
            conn.execute(sa.update(keys).where(keys.c.id == key_id).values(scopes=widened))


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("expires_at")
