"""An operator changes an order before it is released (``PATCH /orders/{id}``).

The change goes on the timeline (``edited``: who, and each field from and to). The order
remembers which fields an operator set (``edits``), so a later version of the order from
its channel keeps them, unless the channel itself changed that field since
(``hub.domain.order_edit.keep_edits``).
"""

from __future__ import annotations

from hub.clock import utcnow
from hub.domain.lifecycle import EventKind, OrderStatus
from hub.domain.order import FieldError, Order
from hub.domain.order_edit import OrderPatch, apply, refusal
from hub.errors import Conflict, NotFound
from hub.store import orders
from hub.store.database import Database
from hub.store.order_queries import search_text
from hub.store.orders import Event, event_row, to_order


async def edit(db: Database, order_id: str, patch: OrderPatch, *, actor: str) -> Order:
    """Apply ``patch`` to the order; ``Conflict`` once it was released (or ended)."""
    for _ in range(5):
        async with db.write() as conn:
            row = await orders.get_row(conn, order_id)
            if row is None:
                raise NotFound(f"no order {order_id}")
            status = OrderStatus(row.status)
            why = refusal(status, row.number)
            if why is not None:
                raise Conflict(why, [FieldError("status", f"is {status}")])
            data, changes = apply(orders.content(row), patch)
            if not changes:
                return to_order(row)
            now = utcnow()
            edits = orders.edits_of(row)
            edits |= {k: c["from"] for k, c in changes.items() if k not in edits}
            if not await orders.replace_content(
                conn,
                order_id,
                expected_version=row.version,
                data=data,
                search=search_text(row.number, data),
                edits=edits,
                now=now,
            ):
                continue  # changed under us; read again
            event = Event(at=now, actor=actor, kind=EventKind.EDITED, detail={"changed": changes})
            await orders.add_events(conn, [event_row(order_id, event)])
            updated = await orders.get(conn, order_id)
        assert updated is not None
        return updated
    raise Conflict(f"order {order_id} kept changing; try again")
