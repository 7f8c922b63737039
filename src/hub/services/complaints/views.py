"""A complaint as the API shows it, read from its row and lines."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import Connection, Row

from hub.domain.complaints import ComplaintLine, ComplaintStatus, Kind, OutcomeKind, overdue
from hub.store import complaints as store
from hub.store.database import Database


class Outcome(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """What a resolved complaint was resolved with."""

    outcome: OutcomeKind
    amount: int | None = None  # minor units of ``currency``: the refund's, the voucher's
    currency: str | None = None
    voucher_code: str | None = None
    refund_reference: str | None = None  # the refund transaction's reference on the order
    #: a refund's way at resolution: queued (to the channel, through the outbox) or recorded
    refund_state: str | None = None
    refund_note: str | None = None  # why it was recorded by hand (no channel refunds)
    lines: list[ComplaintLine] | None = None  # what is reshipped, or must come back
    reship_order_id: str | None = None  # the new order, linked to the original
    return_id: str | None = None  # the return it opened, once returns are wired to it
    note: str | None = None


class Complaint(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    order_id: str
    channel: str
    kind: Kind
    status: ComplaintStatus
    description: str
    lines: list[ComplaintLine]
    evidence: list[str]
    due_at: datetime
    overdue: bool
    created_at: datetime
    updated_at: datetime
    opened_by: str
    answer: str | None = None
    answered_at: datetime | None = None
    outcome: Outcome | None = None
    reason: str | None = None  # why it was rejected
    closed_at: datetime | None = None
    refund: ComplaintRefund | None = None  # a refund outcome as it stands now


class ComplaintRefund(msgspec.Struct, frozen=True, kw_only=True):
    amount: int
    state: str  # queued (on its way to the channel), recorded (a transaction on the order)
    reference: str | None  # the channel's refund, or complaint:<id> when recorded by hand


def _refund(row: Row[Any]) -> ComplaintRefund | None:
    if row.refund_state is None:
        return None
    return ComplaintRefund(amount=row.refund_amount or 0, state=row.refund_state,
                           reference=row.refund_reference)  # fmt: skip


def show(row: Row[Any], lines: list[ComplaintLine], now: datetime) -> Complaint:
    detail = row.outcome_detail
    return Complaint(
        id=row.id, order_id=row.order_id, channel=row.channel, kind=row.kind,
        status=ComplaintStatus(row.status), description=row.description, lines=lines,
        evidence=json.loads(row.evidence), due_at=row.due_at,
        overdue=overdue(ComplaintStatus(row.status), row.due_at, now),
        created_at=row.created_at, updated_at=row.updated_at, opened_by=row.actor,
        answer=row.answer, answered_at=row.answered_at,
        outcome=msgspec.json.decode(detail, type=Outcome) if detail else None,
        reason=row.reason, closed_at=row.closed_at, refund=_refund(row),
    )  # fmt: skip


def shown(conn: Connection, rows: Sequence[Row[Any]], now: datetime) -> list[Complaint]:
    lines = store.lines_of(conn, [r.id for r in rows])
    return [show(r, lines[r.id], now) for r in rows]


def load(conn: Connection, complaint_id: str, now: datetime) -> Complaint | None:
    row = store.get(conn, complaint_id)
    return None if row is None else shown(conn, [row], now)[0]


async def get(db: Database, complaint_id: str, now: datetime) -> Complaint | None:
    async with db.read() as conn:
        return await conn.run_sync(load, complaint_id, now)


async def list_page(
    db: Database,
    found: store.ComplaintFilter,
    after: tuple[datetime, str] | None,
    limit: int,
    now: datetime,
) -> list[Complaint]:
    def run(conn: Connection) -> list[Complaint]:
        return shown(conn, store.list_page(conn, found, after, limit), now)

    async with db.read() as conn:
        return await conn.run_sync(run)
