"""``POST /orders/{id}/complaints``: a complaint about an order, with its due time from the
order's channel's SLA, on the order's timeline (``complaint_opened``) in one transaction.

An unknown order, or one the key may not reach (another channel's, for a channel's own key)
is a 404; lines the order does not hold are a 422 naming each; nothing is written then.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection

from hub.clock import utcnow
from hub.connections import Connections
from hub.domain import ids
from hub.domain.complaints import ComplaintIn, ComplaintStatus, due, line_errors, ordered
from hub.domain.lifecycle import EventKind
from hub.errors import NotFound, Unprocessable
from hub.services.complaints.views import Complaint, load
from hub.store import complaints as store
from hub.store import orders as order_store
from hub.store.database import Database


def open_in(
    conn: Connection,
    asked: str,
    body: ComplaintIn,
    *,
    channels: frozenset[str] | None,
    sla_hours: Callable[[str], float],
    actor: str,
    now: datetime,
) -> str:
    """Record the complaint in the caller's transaction; its id."""
    order = store.find_order(conn, asked)
    if order is None or (channels is not None and order.channel not in channels):
        raise NotFound(f"no order {asked}")
    errors = line_errors(body.lines, ordered(order_store.content(order).lines))
    if errors:
        raise Unprocessable(
            "; ".join(f"{e.field}: {e.reason}" for e in errors) + "; nothing was recorded",
            errors,
        )
    complaint_id = ids.new_id()
    row = {
        "id": complaint_id, "order_id": order.id, "channel": order.channel,
        "kind": body.kind, "status": ComplaintStatus.OPEN.value,
        "description": body.description, "evidence": json.dumps(body.evidence),
        "due_at": due(now, sla_hours(order.channel)),
        "created_at": now, "updated_at": now, "actor": actor,
    }  # fmt: skip
    store.insert_one(conn, row, body.lines)
    detail = {"complaint": complaint_id, "kind": body.kind,
              "lines": [{"sku": ln.sku, "quantity": ln.quantity} for ln in body.lines],
              "due_at": row["due_at"].isoformat()}  # fmt: skip
    order_store.add_note(conn, order.id, EventKind.COMPLAINT_OPENED, detail, actor=actor, now=now)
    return complaint_id


async def open_complaint(
    db: Database,
    connections: Connections,
    asked: str,
    body: ComplaintIn,
    *,
    channels: frozenset[str] | None,
    actor: str,
) -> Complaint:
    """Open a complaint on order ``asked`` (its id or number) for a key reaching
    ``channels`` (None: every channel)."""
    now = utcnow()

    def run(conn: Connection) -> Complaint:
        complaint_id = open_in(
            conn,
            asked,
            body,
            channels=channels,
            sla_hours=lambda code: connections.hub_settings(code).complaint_sla_hours,
            actor=actor,
            now=now,
        )
        found = load(conn, complaint_id, now)
        assert found is not None
        return found

    return await db.run_write(run)
