"""Each connection's health for the console: its circuit breaker, its last poll or
webhook, its last stock push and the sync rows waiting, its last error, its rate-limit
buckets and the drift found over the last day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hub.clock import utcnow
from hub.connections import Connections
from hub.services import breaker
from hub.store import console as store
from hub.store.database import Database


@dataclass(frozen=True, slots=True)
class ConnectionHealth:
    code: str
    connector: str
    breaker: str  # closed, open, half_open
    failures: int
    last_error: str | None
    last_failure_at: datetime | None
    polled_at: datetime | None
    webhook_at: datetime | None
    pushed_at: datetime | None
    pending: int
    push_error: str | None
    waiting: list[tuple[str, float]]  # rate-limit buckets with less than one call left
    drift: int


async def health(db: Database, connections: Connections) -> list[ConnectionHealth]:
    breakers = await breaker.health(db)
    out = []
    async with db.read() as conn:
        drift = await store.drift_since(conn, utcnow() - timedelta(days=1))
        for info in sorted(connections.info(), key=lambda c: c.code):
            signs: dict[str, Any] = await store.last_signs(conn, info.code)
            b = breakers.get(info.code)
            out.append(
                ConnectionHealth(
                    code=info.code,
                    connector=info.connector,
                    breaker=b.state.value if b else "closed",
                    failures=b.failures if b else 0,
                    last_error=b.last_error if b else None,
                    last_failure_at=b.last_failure_at if b else None,
                    polled_at=signs["polled_at"],
                    webhook_at=signs["webhook_at"],
                    pushed_at=signs["pushed_at"],
                    pending=signs["pending"],
                    push_error=signs["push_error"],
                    waiting=[(k, t) for k, t in signs["buckets"] if t < 1],
                    drift=drift.get(info.code, 0),
                )
            )
    return out
