"""Receiving a return at any location (``POST /returns/{id}/receive``), each line graded:

- ``sellable``: a ``return`` movement at that location; stock sync then pushes every
  channel's new available to sell, as for any stock change;
- ``refurbish``: a ``return`` movement at the refurbish location (the body's, else the
  channel's ``return_refurbish_location``), which must be offered to no channel;
- ``damaged``: received and written off at once (a ``return`` and an ``adjustment`` back
  out), the return named as the reason in the ledger.

One transaction, all or nothing: units already received are refused with a 409 naming the
line (a conditional update, so two receipts racing on PostgreSQL: one wins), an unknown
location or grade with a 422 naming the field. Partial receipts leave the return
``partially_received``; the last units make it ``received``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import msgspec
from sqlalchemy import Connection, Row

from hub.clock import utcnow
from hub.domain.bounds import OneLine
from hub.domain.lifecycle import EventKind
from hub.domain.order import FieldError
from hub.domain.returns import RECEIVABLE, Grade, ReturnPolicy, ReturnStatus
from hub.domain.stock import Level, MovementKind
from hub.errors import Conflict, Unprocessable
from hub.services.demand.returns import record_returned
from hub.services.returns.decisions import locked, step
from hub.services.returns.exchange import release_received
from hub.services.stock_sync import stock_changed
from hub.store import returns as store
from hub.store import stock as stock_store
from hub.store.database import Database

Code = Annotated[OneLine, msgspec.Meta(min_length=1, max_length=64)]


class ReceivedLineIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    sku: Annotated[OneLine, msgspec.Meta(min_length=1, max_length=100)]
    quantity: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]
    grade: Grade
    line_id: Annotated[OneLine, msgspec.Meta(min_length=1, max_length=200)] | None = None


class ReceiveIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Where the units arrived, and each line's units and grade."""

    location: Code
    lines: Annotated[list[ReceivedLineIn], msgspec.Meta(min_length=1, max_length=200)]
    refurbish_location: Code | None = None


#: is a location offered to some channel (its code then)? None: to none
OfferedTo = Callable[[str], str | None]


def _refuse(field: str, reason: str) -> Unprocessable:
    return Unprocessable(f"{field}: {reason}; nothing was written", [FieldError(field, reason)])


def _targets(
    conn: Connection, body: ReceiveIn, policy: ReturnPolicy, offered_to: OfferedTo
) -> dict[str, str]:
    """Grade -> the location its units go to (checked)."""
    known = stock_store.location_codes(conn)
    if body.location not in known:
        raise _refuse("location", f"no location {body.location!r}")
    out = {"sellable": body.location, "damaged": body.location}
    if any(ln.grade == "refurbish" for ln in body.lines):
        refurb = body.refurbish_location or policy.refurbish_location
        field = "refurbish_location"
        if refurb is None:
            raise _refuse(field, "required to grade refurbish (or set return_refurbish_location)")
        if refurb not in known:
            raise _refuse(field, f"no location {refurb!r}")
        channel = offered_to(refurb)
        if channel is not None:
            raise _refuse(field, f"{refurb!r} is offered to channel {channel}")
        out["refurbish"] = refurb
    return out


def _take(conn: Connection, row: Row[Any], body: ReceiveIn) -> list[tuple[int, ReceivedLineIn]]:
    """Count each line's units as received; (position, line) of each."""
    lines = store.lines_of(conn, [row.id])[row.id]
    taken = []
    for i, ln in enumerate(body.lines):
        match = [r for r in lines if r.sku == ln.sku and ln.line_id in (None, r.line_id)]
        if not match:
            raise _refuse(f"lines[{i}].sku", f"{ln.sku} is not a line of the return")
        if not store.receive_units(conn, row.id, match[0].position, ln.quantity):
            fresh = store.lines_of(conn, [row.id])[row.id]
            have = next(r for r in fresh if r.position == match[0].position)
            reason = (
                f"{ln.quantity} more of {ln.sku} cannot be received: {have.received} of "
                f"{have.quantity} were received already"
            )
            raise Conflict(f"lines[{i}].quantity: {reason}; nothing was written",
                           [FieldError(f"lines[{i}].quantity", reason)])  # fmt: skip
        taken.append((match[0].position, ln))
    return taken


def _stock(conn: Connection, row: Row[Any], taken: list[Any], where: dict[str, str]) -> None:
    now = utcnow()
    moves = [(ln.sku, where[ln.grade], ln.quantity, ln.grade) for _, ln in taken]
    stock_store.ensure_levels(conn, {(s, loc) for s, loc, _, _ in moves})
    levels = {
        k: lvl for k, (_, lvl) in stock_store.lock_levels(conn, {m[0] for m in moves}).items()
    }
    source = f"return:{row.id}"
    for sku, loc, units, grade in moves:
        level = levels[(sku, loc)]
        after = Level(level.on_hand + units, level.reserved)
        reason = f"return {row.id} received, graded {grade}"
        stock_store.record(conn, sku=sku, location=loc, kind=MovementKind.RETURN, quantity=units,
                           after=after, reason=reason, source=source, order_id=row.order_id,
                           now=now)  # fmt: skip
        if grade == "damaged":
            after = Level(after.on_hand - units, after.reserved)
            stock_store.record(conn, sku=sku, location=loc, kind=MovementKind.ADJUSTMENT,
                               quantity=-units, after=after,
                               reason=f"written off: return {row.id}, damaged",
                               source=source, order_id=row.order_id, now=now)  # fmt: skip
        levels[(sku, loc)] = after
    stock_changed(conn, {m[0] for m in moves}, now=now)


def receive(
    conn: Connection,
    return_id: str,
    body: ReceiveIn,
    *,
    actor: str,
    policy_of: Callable[[str], ReturnPolicy],
    offered_to: OfferedTo,
) -> None:
    """Receive and grade ``body`` in the caller's transaction, or refuse it all."""
    row = locked(conn, return_id)
    if row.status not in RECEIVABLE:
        reason = f"a return that is {row.status} receives nothing (authorise it first)"
        raise Conflict(reason, [FieldError("status", reason)])
    where = _targets(conn, body, policy_of(row.channel), offered_to)
    taken = _take(conn, row, body)
    _stock(conn, row, taken, where)
    now = utcnow()
    store.add_receipts(conn, [
        {"return_id": row.id, "position": pos, "sku": ln.sku, "grade": ln.grade,
         "quantity": ln.quantity, "location": where[ln.grade], "actor": actor, "at": now}
        for pos, ln in taken
    ])  # fmt: skip
    lines = store.lines_of(conn, [row.id])[row.id]
    done = all(ln.received >= ln.quantity for ln in lines)
    target = ReturnStatus.RECEIVED if done else ReturnStatus.PARTIALLY_RECEIVED
    detail = {
        "location": body.location,
        "lines": [{"sku": ln.sku, "quantity": ln.quantity, "grade": ln.grade,
                   "location": where[ln.grade]} for _, ln in taken],
    }  # fmt: skip
    step(conn, row, target, actor=actor, detail=detail, kind=EventKind.RETURN_RECEIVED)
    if done:
        release_received(conn, row, actor=actor, now=now)
    units: dict[str, int] = {}
    for ln in lines:
        units[ln.sku] = units.get(ln.sku, 0) + ln.received
    record_returned(conn, row.id, channel=row.channel, day=now.date(), units=units,
                    location=body.location)  # fmt: skip


async def post_receipt(
    db: Database,
    return_id: str,
    body: ReceiveIn,
    *,
    actor: str,
    policy_of: Callable[[str], ReturnPolicy],
    offered_to: OfferedTo,
) -> None:
    await db.run_write(
        lambda conn: receive(
            conn, return_id, body, actor=actor, policy_of=policy_of, offered_to=offered_to
        )
    )
    db.signal_jobs()  # the channels' figures are to be pushed
