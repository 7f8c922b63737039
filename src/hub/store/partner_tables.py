"""The state every worker shares about each partner connection, kept in the database so
that every process (workers and the API) sees the same: its circuit breaker and its token
buckets. Declared on ``hub.store.tables.metadata`` (imported at the end of that module).
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Integer, String, Table, Text

from hub.store.tables import UtcDateTime, metadata

# One row per connection that has ever failed (hub.domain.breaker): closed, open (its
# jobs wait until ``open_until``) or half_open (one probe call is out until ``open_until``).
partner_breakers = Table(
    "partner_breakers",
    metadata,
    Column("connection", String(64), primary_key=True),
    Column("state", String(10), nullable=False),
    Column("failures", Integer, nullable=False),  # in a row, since the last answer
    Column("opened", Integer, nullable=False),  # times opened in a row: the pause grows
    Column("open_until", UtcDateTime),
    Column("last_error", Text),
    Column("last_failure_at", UtcDateTime),
    Column("updated_at", UtcDateTime, nullable=False),
)

# One row per rate limit (a connection, or a connection and one of its partner's
# operations): the token bucket's count and when it was last refilled (seconds since the
# epoch), taken and refilled in one write transaction (hub.services.ratelimit).
rate_buckets = Table(
    "rate_buckets",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("stamp", Float, nullable=False),
)
