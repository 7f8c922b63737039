"""An operator's decisions on a return: authorise it (and queue its return label), reject
it, cancel it, close it. Each is one transaction: the move checked against the transition
table (a 409 naming ``status`` when it is not allowed), a timeline entry on the order."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from sqlalchemy import Connection, Row

from hub.clock import utcnow
from hub.domain.bounds import FreeText, OneLine
from hub.domain.lifecycle import EventKind, TransitionRefused
from hub.domain.order import FieldError
from hub.domain.returns import ReturnStatus
from hub.errors import Conflict, NotFound, Unprocessable
from hub.sdk import Parcel
from hub.services.returns import exchange
from hub.store import fulfilment as fulfilment_store
from hub.store import jobs as job_store
from hub.store import orders as order_store
from hub.store import returns as store
from hub.store import stock as stock_store
from hub.store.database import Database
from hub.store.jobs import NewJob

LABEL_JOB = "return.label"  # payload: return_id, connection, parcel
JOB_ATTEMPTS = 10
Code = Annotated[OneLine, msgspec.Meta(min_length=1, max_length=64)]

_KINDS = {
    ReturnStatus.AUTHORISED: EventKind.RETURN_AUTHORISED,
    ReturnStatus.IN_TRANSIT: EventKind.RETURN_IN_TRANSIT,
    ReturnStatus.REJECTED: EventKind.RETURN_REJECTED,
    ReturnStatus.CANCELLED: EventKind.RETURN_CANCELLED,
    ReturnStatus.CLOSED: EventKind.RETURN_CLOSED,
    ReturnStatus.IN_TRANSIT: EventKind.RETURN_IN_TRANSIT,
}


class AuthoriseIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Authorise a return; with ``parcel`` a return label is bought (``carrier_connection``:
    the label-buying connection, default the one configured) to ``location``."""

    parcel: Parcel | None = None
    carrier_connection: Code | None = None
    location: Code | None = None  # default: the channel's return_location, else the order's
    note: Annotated[FreeText, msgspec.Meta(max_length=2000)] | None = None


class DecisionIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    reason: Annotated[FreeText, msgspec.Meta(min_length=1, max_length=2000)] | None = None


def locked(conn: Connection, return_id: str) -> Row[Any]:
    row = store.get(conn, return_id, lock=True)
    if row is None:
        raise NotFound(f"no return {return_id}")
    return row


def step(
    conn: Connection,
    row: Row[Any],
    target: ReturnStatus,
    *,
    actor: str,
    detail: dict[str, Any] | None = None,
    kind: EventKind | None = None,
    **values: Any,
) -> None:
    """Move the return and note it on the order's timeline (409 when not allowed)."""
    now = utcnow()
    try:
        store.move(conn, row, target, now=now, **values)
    except TransitionRefused as exc:
        raise Conflict(str(exc), [FieldError("status", str(exc))]) from None
    note = {"return": row.id, "from": row.status, "to": target.value} | (detail or {})
    kind = kind or _KINDS.get(target, EventKind.RETURN_RECEIVED)
    order_store.add_note(conn, row.order_id, kind, note, actor=actor, now=now)


def _location(conn: Connection, row: Row[Any], asked: str | None, default: str | None) -> str:
    known = stock_store.location_codes(conn)
    if asked is not None and asked not in known:
        raise Unprocessable(
            f"location: no location {asked!r}; nothing was written",
            [FieldError("location", "unknown location")],
        )
    if asked is not None:
        return asked
    if default is not None and default in known:
        return default
    made = [f.location for f in fulfilment_store.of_order(conn, row.order_id)]
    if made:
        return str(made[0])
    raise Unprocessable(
        "location: the order was fulfilled nowhere; name where the parcel goes",
        [FieldError("location", "required")],
    )


async def authorise(
    db: Database,
    return_id: str,
    body: AuthoriseIn,
    *,
    actor: str,
    label_connection: str | None,
    return_location: Any,
) -> None:
    """Authorise; queue the label purchase (the outbox) when a parcel is given.
    ``return_location(channel)``: the channel's ``return_location`` setting."""

    def run(conn: Connection) -> None:
        row = locked(conn, return_id)
        where = _location(conn, row, body.location, return_location(row.channel))
        detail: dict[str, Any] = {"location": where}
        if body.note:
            detail["note"] = body.note
        values: dict[str, Any] = {"location": where, "label_connection": None}
        if body.parcel is not None and label_connection is not None:
            values["label_connection"] = label_connection
            detail["label"] = "queued"
        step(conn, row, ReturnStatus.AUTHORISED, actor=actor, detail=detail, **values)
        exchange.make_order(conn, row, actor=actor, now=utcnow())
        if body.parcel is not None and label_connection is not None:
            job_store.enqueue_unless_active_sync(
                conn,
                NewJob(LABEL_JOB, {"return_id": return_id, "connection": label_connection,
                                   "parcel": msgspec.to_builtins(body.parcel)}),
                now=utcnow(), max_attempts=JOB_ATTEMPTS,
            )  # fmt: skip

    await db.run_write(run)
    db.signal_jobs()


async def decide(
    db: Database, return_id: str, target: ReturnStatus, body: DecisionIn, *, actor: str
) -> None:
    """Reject, cancel or close the return, with the operator's reason."""

    def run(conn: Connection) -> None:
        row = locked(conn, return_id)
        detail: dict[str, Any] = {"reason": body.reason} if body.reason else {}
        extra = {"decision": body.reason} if target != ReturnStatus.CLOSED else {}
        step(conn, row, target, actor=actor, detail=detail, **extra)
        if target == ReturnStatus.CANCELLED:
            became = exchange.cancel_waiting(conn, row, actor=actor, now=utcnow())
            if became is not None:
                order_store.add_note(conn, row.order_id, EventKind.RETURN_EXCHANGE,
                                     {"return": row.id, "exchange_order": row.exchange_order_id,
                                      "exchange": became}, actor=actor, now=utcnow())  # fmt: skip

    await db.run_write(run)
