"""Opening a return: by an operator (``POST /orders/{id}/returns``), by the buyer on the
tracking page, or by a channel. One transaction: the order's row is locked (two returns of
one order never take the same units), each line checked against what was shipped less what
other returns hold (a 422 naming the line, nothing written), the policy checked (a return
outside it waits ``requested`` with the reasons, never dropped), a ``return_requested``
entry on the order's timeline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

import msgspec
from sqlalchemy import Connection

from hub.clock import utcnow
from hub.domain.bounds import FreeText, OneLine
from hub.domain.fulfilment import ParcelStatus
from hub.domain.ids import new_id
from hub.domain.lifecycle import EventKind
from hub.domain.order import FieldError, Order
from hub.domain.returns import (
    Opener,
    ReasonCode,
    Resolution,
    ReturnPolicy,
    ReturnStatus,
    outside_policy,
    returnable,
    shipped_per_line,
)
from hub.errors import NotFound, Unprocessable
from hub.services.returns.exchange import ExchangeLineIn, checked_lines
from hub.store import fulfilment as fulfilment_store
from hub.store import orders as order_store
from hub.store import payments as payment_store
from hub.store import returns as store
from hub.store.database import Database

PolicyOf = Callable[[str], ReturnPolicy]


class ReturnLineIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    sku: Annotated[OneLine, msgspec.Meta(min_length=1, max_length=100)]
    quantity: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]
    line_id: Annotated[OneLine, msgspec.Meta(min_length=1, max_length=200)] | None = None


class ReturnIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The body of ``POST /orders/{id}/returns``."""

    lines: Annotated[list[ReturnLineIn], msgspec.Meta(min_length=1, max_length=200)]
    reason: ReasonCode
    note: Annotated[FreeText, msgspec.Meta(max_length=2000)] | None = None
    resolution: Resolution = "refund"
    #: with resolution ``exchange``: the replacement lines (the same SKU or another)
    exchange: Annotated[list[ExchangeLineIn], msgspec.Meta(max_length=200)] | None = None


def _refuse(field: str, reason: str) -> Unprocessable:
    return Unprocessable(f"{field}: {reason}; nothing was written", [FieldError(field, reason)])


def shipped_units(conn: Connection, order_id: str) -> tuple[dict[str, int], datetime | None]:
    """Units shipped per SKU, and when the last parcel was delivered (None: none yet)."""
    parcels = fulfilment_store.shipments_of_order(conn, order_id)
    parts = fulfilment_store.shipment_parts(conn, [p.id for p in parcels])
    shipped: dict[str, int] = {}
    for units in parts.values():
        for sku, n in units.items():
            shipped[sku] = shipped.get(sku, 0) + n
    delivered = [p.updated_at for p in parcels if p.status == ParcelStatus.DELIVERED]
    return shipped, max(delivered) if delivered else None


def _index(order: Order, line: ReturnLineIn, i: int) -> int:
    for n, ln in enumerate(order.lines):
        if ln.sku == line.sku and (line.line_id is None or ln.line_id == line.line_id):
            return n
    raise _refuse(f"lines[{i}].sku", f"{line.sku} is not a line of the order")


def wanted_units(conn: Connection, order: Order, lines: list[ReturnLineIn]) -> dict[int, int]:
    """Order line index -> units, each within what the line may still return."""
    shipped, _ = shipped_units(conn, order.id)
    left = returnable(shipped_per_line(order, shipped), store.units_in_returns(conn, order.id))
    wanted: dict[int, int] = {}
    for i, line in enumerate(lines):
        n = _index(order, line, i)
        wanted[n] = wanted.get(n, 0) + line.quantity
        if wanted[n] > left.get(n, 0):
            raise _refuse(
                f"lines[{i}].quantity",
                f"{wanted[n]} of {line.sku} is more than can be returned ({left.get(n, 0)}: "
                "shipped less already in returns)",
            )
    return wanted


def open_return(
    conn: Connection,
    order_id: str,
    body: ReturnIn,
    *,
    opener: Opener,
    actor: str,
    policy_of: PolicyOf,
    external_id: str | None = None,
) -> str:
    """Open a return of ``body`` on the order in the caller's transaction; its id."""
    row = payment_store.lock_order(conn, order_id)
    if row is None:
        raise NotFound(f"no order {order_id}")
    order = order_store.to_order(row)
    wanted = wanted_units(conn, order, list(body.lines))
    exchange = checked_lines(conn, body.resolution, body.exchange)
    now = utcnow()
    _, delivered_at = shipped_units(conn, order_id)
    reasons = outside_policy(
        order, wanted, policy=policy_of(order.channel), delivered_at=delivered_at, now=now
    )
    return_id = new_id()
    store.insert_return(
        conn,
        {
            "id": return_id, "order_id": order_id, "channel": order.channel,
            "external_id": external_id, "status": ReturnStatus.REQUESTED.value,
            "opened_by": opener, "reason": body.reason, "note": body.note,
            "resolution": body.resolution, "policy": "\n".join(reasons) or None,
            "exchange_lines": exchange,
            "created_at": now, "updated_at": now,
        },
        [
            {"position": n, "sku": order.lines[n].sku, "line_id": order.lines[n].line_id,
             "quantity": units, "received": 0}
            for n, units in sorted(wanted.items())
        ],
    )  # fmt: skip
    detail: dict[str, Any] = {
        "return": return_id, "opened_by": opener, "reason": body.reason,
        "resolution": body.resolution,
        "lines": [{"sku": order.lines[n].sku, "quantity": u} for n, u in sorted(wanted.items())],
    }  # fmt: skip
    if body.exchange:
        detail["exchange"] = [{"sku": x.sku, "quantity": x.quantity} for x in body.exchange]
    if reasons:
        detail["outside_policy"] = reasons
    order_store.add_note(conn, order_id, EventKind.RETURN_REQUESTED, detail, actor=actor, now=now)
    return return_id


async def post_return(
    db: Database, order_id: str, body: ReturnIn, *, actor: str, policy_of: PolicyOf
) -> str:
    """An operator's return, in its own transaction; its id."""
    return await db.run_write(
        lambda conn: open_return(
            conn, order_id, body, opener="operator", actor=actor, policy_of=policy_of
        )
    )
