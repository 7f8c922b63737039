"""Answer, reject and resolve a complaint, each in one transaction with its timeline entry
on the order (``complaint_answered``, ``complaint_rejected``, ``complaint_resolved``).

A move the state table forbids (resolving a rejected complaint, say) is a 409 naming
``status``; an outcome that lacks what it needs, lines the order does not hold, or a refund
above what is refundable is a 422 naming the field. Nothing is written then.

A reship's new order is stored first, through the intake writer (idempotent by its
``external_id``), then the resolution names it; if the resolution then fails, resolving
again finds the same order instead of making a second.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import Connection, Row

from hub.clock import utcnow
from hub.domain.complaints import (
    TRANSITIONS,
    AnswerIn,
    ComplaintLine,
    ComplaintStatus,
    OutcomeIn,
    RejectIn,
    line_errors,
    ordered,
    outcome_errors,
)
from hub.domain.lifecycle import EventKind, TransitionRefused
from hub.domain.order import FieldError
from hub.errors import NotFound, Unprocessable
from hub.services.complaints import hooks
from hub.services.complaints.outcomes import refund_for_complaint, reship_order
from hub.services.complaints.views import Complaint, Outcome, load
from hub.services.intake.writer import IngestRequest, OrderWriter
from hub.store import complaints as store
from hub.store import orders as order_store
from hub.store.database import Database


def _locked(
    conn: Connection, complaint_id: str, target: ComplaintStatus, *, lock: bool = True
) -> Row[Any]:
    """The complaint (locked, unless only looked at), if it may move to ``target``."""
    row = store.lock(conn, complaint_id) if lock else store.get(conn, complaint_id)
    if row is None:
        raise NotFound(f"no complaint {complaint_id}")
    if target not in TRANSITIONS[ComplaintStatus(row.status)]:
        raise TransitionRefused(
            ComplaintStatus(row.status), target, what="a complaint", table=TRANSITIONS
        )
    return row


def _note(conn: Connection, row: Row[Any], kind: EventKind, detail: dict[str, Any],
          actor: str, now: datetime) -> None:  # fmt: skip
    detail = {"complaint": row.id, "kind": row.kind} | detail
    order_store.add_note(conn, row.order_id, kind, detail, actor=actor, now=now)


async def answer(db: Database, complaint_id: str, body: AnswerIn, *, actor: str) -> Complaint:
    """Record the merchant's answer to the buyer (a later answer replaces it)."""
    now = utcnow()

    def run(conn: Connection) -> Complaint:
        row = _locked(conn, complaint_id, ComplaintStatus.ANSWERED)
        values = {"answer": body.message, "answered_at": now, "updated_at": now}
        store.move(conn, row, ComplaintStatus.ANSWERED, values)
        _note(conn, row, EventKind.COMPLAINT_ANSWERED, {"message": body.message}, actor, now)
        return _loaded(conn, complaint_id, now)

    return await db.run_write(run)


async def reject(db: Database, complaint_id: str, body: RejectIn, *, actor: str) -> Complaint:
    now = utcnow()

    def run(conn: Connection) -> Complaint:
        row = _locked(conn, complaint_id, ComplaintStatus.REJECTED)
        values = {"reason": body.reason, "closed_at": now, "updated_at": now}
        store.move(conn, row, ComplaintStatus.REJECTED, values)
        _note(conn, row, EventKind.COMPLAINT_REJECTED, {"reason": body.reason}, actor, now)
        return _loaded(conn, complaint_id, now)

    return await db.run_write(run)


def _loaded(conn: Connection, complaint_id: str, now: datetime) -> Complaint:
    found = load(conn, complaint_id, now)
    assert found is not None  # locked in this transaction
    return found


def _refuse(errors: list[FieldError]) -> Unprocessable:
    return Unprocessable(
        "; ".join(f"{e.field}: {e.reason}" for e in errors) + "; nothing was recorded", errors
    )


Checked = tuple[Row[Any], Row[Any], list[ComplaintLine]]


def _checked(conn: Connection, complaint_id: str, body: OutcomeIn, lock: bool = True) -> Checked:
    """The complaint, its order and the lines the outcome is for; or why it cannot be."""
    row = _locked(conn, complaint_id, ComplaintStatus.RESOLVED, lock=lock)
    named = store.lines_of(conn, [row.id])[row.id]
    errors = outcome_errors(body, named)
    order = store.find_order(conn, row.order_id)
    assert order is not None  # a complaint's order is never deleted
    lines = body.lines if body.lines else named
    if body.lines:
        errors += line_errors(body.lines, ordered(order_store.content(order).lines))
    if errors:
        raise _refuse(errors)
    return row, order, lines


async def resolve(
    db: Database, writer: OrderWriter, complaint_id: str, body: OutcomeIn, *, actor: str
) -> Complaint:
    """Resolve the complaint with the outcome ``body``."""
    async with db.read() as conn:
        row, order, lines = await conn.run_sync(_checked, complaint_id, body, False)
    reship_id = None
    if body.outcome == "reship":
        data = reship_order(order, lines, complaint_id, opened=row.created_at)
        made = await writer.submit(IngestRequest(data=data, actor=actor,
                                                 link=(order.id, "reship")))  # fmt: skip
        reship_id = made.order_id
    now = utcnow()

    def run(conn: Connection) -> Complaint:
        locked, order, lines = _checked(conn, complaint_id, body)
        outcome = _outcome(conn, locked, order, lines, body, reship_id, actor=actor, now=now)
        values = {"outcome": body.outcome, "outcome_detail": msgspec.json.encode(outcome).decode(),
                  "reason": body.note, "closed_at": now, "updated_at": now}  # fmt: skip
        store.move(conn, locked, ComplaintStatus.RESOLVED, values)
        shown = json.loads(values["outcome_detail"])
        _note(conn, locked, EventKind.COMPLAINT_RESOLVED, shown, actor, now)
        if reship_id is not None:
            detail = {"complaint": complaint_id, "original_order": order.id,
                      "lines": shown.get("lines", [])}  # fmt: skip
            order_store.add_note(conn, reship_id, EventKind.COMPLAINT_RESHIP, detail,
                                 actor=actor, now=now)  # fmt: skip
        return _loaded(conn, complaint_id, now)

    resolved = await db.run_write(run)
    db.signal_jobs()
    return resolved


def _outcome(
    conn: Connection,
    row: Row[Any],
    order: Row[Any],
    lines: list[ComplaintLine],
    body: OutcomeIn,
    reship_id: str | None,
    *,
    actor: str,
    now: datetime,
) -> Outcome:
    """What the outcome did, after doing what it must (a refund recorded, a return opened)."""
    kind, note = body.outcome, body.note
    if kind == "refund":
        assert body.amount is not None
        made = refund_for_complaint(conn, row.id, order.id, body.amount, actor=actor, now=now)
        return Outcome(outcome=kind, amount=made.amount, currency=made.currency,
                       refund_reference=made.reference, refund_state=made.state,
                       refund_note=made.note, note=note)  # fmt: skip
    if kind == "voucher":
        return Outcome(outcome=kind, amount=body.amount, currency=order.currency,
                       voucher_code=body.voucher_code, note=note)  # fmt: skip
    if kind == "reship":
        return Outcome(outcome=kind, lines=lines, reship_order_id=reship_id, note=note)
    if kind == "return_required":
        asked = hooks.ReturnRequired(row.id, order.id, tuple(lines), actor, now)
        return_id = hooks.return_required(conn, asked)
        return Outcome(outcome=kind, lines=lines, return_id=return_id, note=note)
    return Outcome(outcome=kind, note=note)
