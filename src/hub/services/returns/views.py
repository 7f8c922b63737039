"""What the API shows of a return, read in one go: the return, its lines, its receipts."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import Connection, Row

from hub.errors import NotFound
from hub.services.returns.exchange import lines_of
from hub.store import returns as store
from hub.store.database import Database


class ReturnLineOut(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    line_id: str | None
    quantity: int
    received: int


class ReceiptOut(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    grade: str
    quantity: int
    location: str
    at: datetime
    actor: str


class ReturnLabelOut(msgspec.Struct, frozen=True, kw_only=True):
    connection: str | None
    carrier: str | None
    tracking_number: str | None
    url: str | None
    cost: int | None


class ExchangeLineOut(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    quantity: int


class RefundOut(msgspec.Struct, frozen=True, kw_only=True):
    amount: int
    state: str  # queued (on its way to the channel), recorded
    reference: str | None
    figures: dict[str, Any] | None


class ReturnOut(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    order_id: str
    channel: str
    external_id: str | None
    status: str
    opened_by: str
    reason: str
    note: str | None
    resolution: str
    outside_policy: list[str]  # why it waits for an operator's decision; [] within policy
    decision: str | None
    location: str | None
    label: ReturnLabelOut | None
    lines: list[ReturnLineOut]
    receipts: list[ReceiptOut]
    refund: RefundOut | None
    exchange: list[ExchangeLineOut]  # the replacement lines of an exchange
    exchange_order_id: str | None  # the order made of them (once authorised)
    created_at: datetime
    updated_at: datetime


def _label(row: Row[Any]) -> ReturnLabelOut | None:
    if row.label_tracking is None and row.label_connection is None:
        return None
    return ReturnLabelOut(
        connection=row.label_connection, carrier=row.label_carrier,
        tracking_number=row.label_tracking, url=row.label_url, cost=row.label_cost,
    )  # fmt: skip


def _refund(row: Row[Any]) -> RefundOut | None:
    if row.refund_state is None:
        return None
    figures = msgspec.json.decode(row.refund_detail) if row.refund_detail else None
    return RefundOut(
        amount=row.refund_amount or 0, state=row.refund_state,
        reference=row.refund_reference, figures=figures,
    )  # fmt: skip


def return_out(row: Row[Any], lines: list[Row[Any]], receipts: list[Row[Any]]) -> ReturnOut:
    return ReturnOut(
        id=row.id, order_id=row.order_id, channel=row.channel, external_id=row.external_id,
        status=row.status, opened_by=row.opened_by, reason=row.reason, note=row.note,
        resolution=row.resolution, outside_policy=row.policy.split("\n") if row.policy else [],
        decision=row.decision, location=row.location, label=_label(row),
        lines=[
            ReturnLineOut(sku=ln.sku, line_id=ln.line_id, quantity=ln.quantity,
                          received=ln.received)
            for ln in lines
        ],
        receipts=[
            ReceiptOut(sku=r.sku, grade=r.grade, quantity=r.quantity, location=r.location,
                       at=r.at, actor=r.actor)
            for r in receipts
        ],
        refund=_refund(row), created_at=row.created_at, updated_at=row.updated_at,
        exchange=[ExchangeLineOut(sku=x.sku, quantity=x.quantity) for x in lines_of(row)],
        exchange_order_id=row.exchange_order_id,
    )  # fmt: skip


def read_one(conn: Connection, return_id: str) -> ReturnOut:
    """The return as shown (``NotFound`` when there is none)."""
    row = store.get(conn, return_id)
    if row is None:
        raise NotFound(f"no return {return_id}")
    lines = store.lines_of(conn, [return_id])[return_id]
    return return_out(row, lines, store.receipts_of(conn, return_id))


async def get_return(db: Database, return_id: str) -> ReturnOut:
    async with db.read() as aconn:
        return await aconn.run_sync(read_one, return_id)


async def list_returns(
    db: Database,
    *,
    status: Collection[str] | None,
    order_id: str | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[ReturnOut]:
    """Returns oldest first (lines included; receipts on ``GET /returns/{id}``)."""

    def read(conn: Connection) -> list[ReturnOut]:
        rows = store.page(conn, status=status, order_id=order_id, after=after, limit=limit)
        lines = store.lines_of(conn, [r.id for r in rows])
        return [return_out(r, lines[r.id], []) for r in rows]

    async with db.read() as aconn:
        return await aconn.run_sync(read)
