"""The merchant's own warehouse (a location without a connection): its work list, one
fulfilment, and a parcel it confirms shipped (``POST /fulfilments/{id}/shipments``)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import Connection

from hub.clock import utcnow
from hub.domain.fulfilment import FulfilmentStatus
from hub.domain.order import FieldError, Order
from hub.errors import Conflict, NotFound, Unprocessable
from hub.sdk import ShipmentReport
from hub.services.fulfilment.shipments import parcel_key, record_shipment
from hub.store import fulfilment as store
from hub.store import orders as order_store
from hub.store.database import Database


@dataclass(frozen=True, slots=True)
class FulfilmentView:
    """One fulfilment as it is read: its stored row, its order, its lines, its parcels and
    what each parcel carries (shipment id -> sku -> units)."""

    fulfilment: Any
    order: Order
    lines: list[Any]
    parcels: list[Any]
    parts: dict[str, dict[str, int]]


def _view(conn: Connection, f: Any) -> FulfilmentView:
    parcels = [p for p in store.shipments_of_order(conn, f.order_id) if p.fulfilment_id == f.id]
    return FulfilmentView(
        fulfilment=f,
        order=order_store.load(conn, f.order_id),
        lines=store.lines(conn, f.id),
        parcels=parcels,
        parts=store.shipment_parts(conn, [p.id for p in parcels]),
    )


async def list_fulfilments(
    db: Database,
    *,
    location: str | Sequence[str] | None,
    status: str | Sequence[str] | None,
    limit: int,
    after: Sequence[Any] | None = None,
    channels: Collection[str] | None = None,
) -> list[FulfilmentView]:
    """Oldest first, after the key ``(created_at, id)``; ``status="open"``: every
    fulfilment still open (not all shipped, not ended). ``channels``: only those channels'
    orders' fulfilments (None: every one)."""
    async with db.read() as aconn:
        return await aconn.run_sync(
            lambda c: [
                _view(c, f) for f in store.open_at(c, location, status, limit, after, channels)
            ]
        )


async def get_fulfilment(
    db: Database, fulfilment_id: str, channels: Collection[str] | None = None
) -> FulfilmentView:
    """One fulfilment; NotFound also when its order belongs to none of ``channels``."""

    def read(conn: Connection) -> FulfilmentView | None:
        f = store.visible(conn, fulfilment_id, channels)
        return _view(conn, f) if f is not None else None

    async with db.read() as aconn:
        found = await aconn.run_sync(read)
    if found is None:
        raise NotFound(f"no fulfilment {fulfilment_id}")
    return found


def _check(conn: Connection, f: Any, report: ShipmentReport) -> None:
    """Refuse lines the fulfilment does not hold, more units than are left, and a new
    parcel when nothing is left to ship."""
    known = {ln.sku: ln.quantity - ln.shipped for ln in store.lines(conn, f.id)}
    for i, p in enumerate(report.lines):
        if p.sku not in known:
            raise Unprocessable(
                f"lines[{i}]: {p.sku!r} is not in fulfilment {f.id}",
                [FieldError(f"lines[{i}].sku", "not in this fulfilment")],
            )
        if p.quantity > known[p.sku]:
            raise Unprocessable(
                f"lines[{i}]: {p.quantity} x {p.sku} but only {known[p.sku]} left to ship",
                [FieldError(f"lines[{i}].quantity", f"more than the {known[p.sku]} left to ship")],
            )
    if not any(known.values()) and store.shipment(conn, f.id, parcel_key(report)) is None:
        raise Conflict(f"fulfilment {f.id} has nothing left to ship")


async def confirm_shipment(
    db: Database, fulfilment_id: str, report: ShipmentReport, *, actor: str
) -> FulfilmentView:
    """``POST /fulfilments/{id}/shipments``: the merchant's own warehouse shipped a parcel."""

    def run(conn: Connection) -> FulfilmentView:
        f = store.get(conn, fulfilment_id)
        if f is None:
            raise NotFound(f"no fulfilment {fulfilment_id}")
        if f.status == FulfilmentStatus.CANCELLED:
            raise Conflict(f"fulfilment {fulfilment_id} is cancelled")
        _check(conn, f, report)
        record_shipment(
            conn,
            msgspec.structs.replace(report, fulfilment_ref=f.id),
            connection=None,
            actor=actor,
            now=utcnow(),
        )
        return _view(conn, store.get(conn, fulfilment_id))

    out = await db.run_write(run)
    db.signal_jobs()
    return out
