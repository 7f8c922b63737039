"""The console's own state: the secret its session cookies and CSRF tokens are signed with,
when ``HUB_CONSOLE_SECRET`` is not set (made once, shared by every process through the
database). Declared on ``hub.store.tables.metadata``."""

from __future__ import annotations

from sqlalchemy import Column, String, Table, Text

from hub.store.tables import UtcDateTime, metadata

console_secrets = Table(
    "console_secrets",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("value", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)
