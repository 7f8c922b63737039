"""The console's own state: the secret its session cookies and CSRF tokens are signed with,
when ``HUB_CONSOLE_SECRET`` is not set (made once, shared by every process through the
database), and its sessions (a signed-in key each; ended on the server by sign-out or by
revoking the key). Declared on ``hub.store.tables.metadata``."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text

from hub.store.tables import UtcDateTime, metadata

console_secrets = Table(
    "console_secrets",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("value", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

console_sessions = Table(
    "console_sessions",
    metadata,
    Column("id", String(64), primary_key=True),  # random; the cookie carries it, signed
    Column("key_id", String(26), ForeignKey("api_keys.id"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),  # signed out, or its key revoked
    Index("ix_console_sessions_key_id", "key_id"),
    Index("ix_console_sessions_expires_at", "expires_at"),
)
