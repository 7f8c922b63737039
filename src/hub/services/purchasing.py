"""Purchase orders: what is on order from a supplier for a location, and its receipt.

An open purchase order counts as on order in the replenishment list, so what it covers is
not suggested again. Receiving posts stock receipts at the order's location through the
normal movement path (``services.stock.apply_batch``: the ledger, the level, the channels'
figures), in the same transaction as the received units; a partial receipt leaves the rest
on order, and receiving more than a line still expects is refused (422 naming the line).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import msgspec
from sqlalchemy import Connection

from hub.clock import utcnow
from hub.domain import ids
from hub.domain.order import FieldError
from hub.errors import Conflict, NotFound, Unprocessable
from hub.services.stock import MovementIn, apply_batch
from hub.store import catalog as catalog_store
from hub.store import idempotency as idempotency_store
from hub.store import purchasing as store
from hub.store import stock as stock_store
from hub.store.database import Database


class PurchaseLine(msgspec.Struct, frozen=True):
    sku: str
    quantity: int
    received: int


class PurchaseOrder(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    supplier: str
    location: str
    expected_on: date
    status: str  # open, received, closed
    reference: str | None
    lines: list[PurchaseLine]
    created_by: str
    created_at: datetime
    updated_at: datetime


def _view(conn: Connection, rows: Sequence[Any]) -> list[PurchaseOrder]:
    lines = store.lines_of(conn, [r.id for r in rows])
    return [
        PurchaseOrder(
            id=r.id,
            supplier=r.supplier,
            location=r.location,
            expected_on=r.expected_on,
            status=r.status,
            reference=r.reference,
            lines=[PurchaseLine(ln.sku, ln.quantity, ln.received) for ln in lines[r.id]],
            created_by=r.created_by,
            created_at=r.created_at,
            updated_at=r.updated_at,
        )
        for r in rows
    ]


def _stock_skus(conn: Connection, lines: Sequence[tuple[str, int]]) -> list[str]:
    """Each line's SKU with aliases resolved; a bundle or a SKU named twice is refused."""
    names = [sku for sku, _ in lines]
    aliases = catalog_store.alias_owners(conn, names)
    bundles = catalog_store.components_of(conn, {aliases.get(s, s) for s in names})
    seen: set[str] = set()
    out = []
    for i, name in enumerate(names):
        sku = aliases.get(name, name)
        if sku in bundles:
            raise Unprocessable(
                f"lines[{i}]: {sku!r} is a bundle, which holds no stock; order its components",
                [FieldError(f"lines[{i}].sku", "a bundle; order its components")],
            )
        if sku in seen:
            raise Unprocessable(
                f"lines[{i}]: {sku!r} is named twice", [FieldError(f"lines[{i}].sku", "twice")]
            )
        seen.add(sku)
        out.append(sku)
    return out


async def create(
    db: Database,
    *,
    supplier: str,
    location: str,
    expected_on: date,
    lines: Sequence[tuple[str, int]],
    reference: str | None,
    actor: str,
) -> PurchaseOrder:
    """A new open purchase order; its units count as on order at ``location`` at once."""

    def run(conn: Connection) -> PurchaseOrder:
        if location not in stock_store.location_codes(conn):
            raise Unprocessable(
                f"no location {location!r}", [FieldError("location", "unknown location")]
            )
        skus = _stock_skus(conn, lines)
        now = utcnow()
        row = {
            "id": ids.new_id(),
            "supplier": supplier,
            "location": location,
            "expected_on": expected_on,
            "status": store.OPEN,
            "reference": reference,
            "created_by": actor,
            "created_at": now,
            "updated_at": now,
        }
        store.insert_order(conn, row, [(s, q) for s, (_, q) in zip(skus, lines, strict=True)])
        return _view(conn, [store.get(conn, row["id"])])[0]

    return await db.run_write(run)


def _open(conn: Connection, po_id: str) -> Any:
    row = store.get(conn, po_id, lock=True)
    if row is None:
        raise NotFound(f"no purchase order {po_id}")
    if row.status != store.OPEN:
        raise Conflict(
            f"purchase order {po_id} is {row.status}", [FieldError("status", f"is {row.status}")]
        )
    return row


def _receive(
    conn: Connection, po_id: str, lines: Sequence[tuple[str, int]], actor: str, note: str | None
) -> PurchaseOrder:
    row = _open(conn, po_id)
    skus = _stock_skus(conn, lines)
    held = {ln.sku: ln for ln in store.lines_of(conn, [po_id])[po_id]}
    received: dict[int, int] = {}
    for i, (sku, (_, n)) in enumerate(zip(skus, lines, strict=True)):
        line = held.get(sku)
        if line is None:
            raise Unprocessable(
                f"lines[{i}]: {sku!r} is not on purchase order {po_id}",
                [FieldError(f"lines[{i}].sku", "not on this purchase order")],
            )
        if line.received + n > line.quantity:
            reason = (
                f"receiving {n} would exceed the {line.quantity} ordered "
                f"({line.received} received already)"
            )
            raise Unprocessable(
                f"lines[{i}] ({sku}): {reason}; nothing was received",
                [FieldError(f"lines[{i}].quantity", reason)],
            )
        received[line.position] = line.received + n
    reason = f"purchase order {po_id}" + (f": {note}" if note else "")
    moves = [
        MovementIn(kind="receipt", sku=s, location=row.location, quantity=n, reason=reason)
        for s, (_, n) in zip(skus, lines, strict=True)
    ]
    apply_batch(conn, moves, f"purchase-order:{po_id}")
    store.set_received(conn, po_id, received)
    now = utcnow()
    after = store.lines_of(conn, [po_id])[po_id]
    status = store.RECEIVED if all(ln.received == ln.quantity for ln in after) else store.OPEN
    store.set_status(conn, po_id, status, now=now)
    return _view(conn, [store.get(conn, po_id)])[0]


async def receive(
    db: Database,
    po_id: str,
    lines: Sequence[tuple[str, int]],
    *,
    actor: str,
    note: str | None = None,
    idempotency: tuple[str, str] | None = None,
) -> tuple[PurchaseOrder, bool]:
    """Receive ``lines`` (SKU, units) of an open purchase order, all or none; with
    ``idempotency`` (scope, key) the same key and body answer the first result again."""
    digest = hashlib.sha256(msgspec.json.encode([po_id, list(lines), note])).hexdigest()
    key = None if idempotency is None else (idempotency[0], f"po-receive:{idempotency[1]}")

    def run(conn: Connection) -> tuple[PurchaseOrder, bool]:
        if key is not None:
            found = idempotency_store.find(conn, [key]).get(key)
            if found is not None:
                if found.request_hash != digest:
                    raise Unprocessable(
                        f"Idempotency-Key {key[1]!r} was already used with another receipt",
                        [FieldError("Idempotency-Key", "already used with a different body")],
                    )
                return msgspec.json.decode(found.response, type=PurchaseOrder), True
        result = _receive(conn, po_id, lines, actor, note)
        if key is not None:
            record = {"scope": key[0], "key": key[1], "request_hash": digest, "status_code": 200}
            body = msgspec.json.encode(result)
            idempotency_store.insert_many(
                conn, [{**record, "response": body, "created_at": utcnow()}]
            )
        return result, False

    outcome = await db.run_write(run)
    if not outcome[1]:
        db.signal_jobs()  # the channels' figures are to be pushed
    return outcome


async def close(db: Database, po_id: str) -> PurchaseOrder:
    """Stop expecting what is still missing: the order no longer counts as on order."""

    def run(conn: Connection) -> PurchaseOrder:
        _open(conn, po_id)
        store.set_status(conn, po_id, store.CLOSED, now=utcnow())
        return _view(conn, [store.get(conn, po_id)])[0]

    return await db.run_write(run)


async def get(db: Database, po_id: str) -> PurchaseOrder:
    async with db.read() as conn:
        row = await conn.run_sync(lambda c: store.get(c, po_id))
        if row is None:
            raise NotFound(f"no purchase order {po_id}")
        return (await conn.run_sync(_view, [row]))[0]


async def page(
    db: Database,
    *,
    status: str | None = None,
    supplier: str | None = None,
    location: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[PurchaseOrder], str | None]:
    """Newest first; the cursor is the last id of the page when there may be more."""
    async with db.read() as conn:
        rows = await conn.run_sync(
            lambda c: store.page(
                c,
                status=status,
                supplier=supplier,
                location=location,
                before_id=cursor,
                limit=limit,
            )
        )
        items = await conn.run_sync(_view, rows)
    return items, items[-1].id if len(items) == limit else None
