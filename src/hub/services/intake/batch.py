"""One group commit: a batch of new orders written in one transaction.

Each order is written with its lines, its first timeline event, its outbox job and (when the
caller sent one) its idempotency record. Dedupe rules: the same (channel, external_id) is one
order; the same idempotency key with the same body replays the first answer; the same key
with another body is refused. ``writer.OrderWriter`` gathers the batches.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import Connection

from hub.domain import ids
from hub.domain.lifecycle import EventKind, OrderStatus
from hub.domain.order import FieldError, Order, OrderData
from hub.errors import Conflict, HubError, Unprocessable
from hub.services.intake.accept import ACCEPT_JOB
from hub.services.payments import hooks as payment_hooks
from hub.services.payments.record import initial as initial_payment
from hub.store import idempotency, order_intake, orders
from hub.store import jobs as job_store
from hub.store import payments as payment_store
from hub.store.order_queries import search_text
from hub.store.orders import Event, event_row

_encoder = msgspec.json.Encoder()


@dataclass(frozen=True, slots=True)
class IngestRequest:
    """A validated order and who sent it. ``data.channel`` is already resolved."""

    data: OrderData
    actor: str
    idempotency_scope: str | None = None
    idempotency_key: str | None = None
    link: tuple[str, str] | None = None  # (the order it is made for, why): a reship


@dataclass(frozen=True, slots=True)
class IngestResult:
    created: bool
    order_id: str
    body: bytes  # the order as JSON, exactly as first answered
    replayed: bool = False

    @property
    def status_code(self) -> int:
        return 201 if self.created else 200


def content_hash(data: OrderData) -> str:
    return hashlib.sha256(_encoder.encode(data)).hexdigest()


_Outcome = IngestResult | HubError
_Seen = dict[tuple[str, str], tuple[str, IngestResult]]  # key -> (request hash, answer)


@dataclass(slots=True)
class _Rows:
    """What a batch inserts, in bulk."""

    orders: list[dict[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    jobs: list[job_store.NewJob] = field(default_factory=list)
    payments: list[dict[str, Any]] = field(default_factory=list)  # transactions
    changes: list[payment_hooks.PaymentsChanged] = field(default_factory=list)


def write_batch(
    batch: list[tuple[IngestRequest, str]], conn: Connection, *, now: datetime, max_attempts: int
) -> list[IngestResult | HubError]:
    """One transaction for a whole batch: dedupe against stored keys, then insert in bulk."""
    seen_idem, seen_orders = _stored(conn, batch)
    outcomes, new_orders = _dedupe(batch, seen_idem, seen_orders, now=now)
    rows = _Rows()
    if new_orders:
        _create(conn, batch, outcomes, new_orders, rows, now=now)
    orders.insert_many(conn, rows.orders, rows.lines, rows.events)
    payment_store.insert_rows(conn, rows.payments)
    for change in rows.changes:
        payment_hooks.payments_changed(conn, change)
    job_store.enqueue_sync(conn, rows.jobs, now=now, max_attempts=max_attempts)
    idempotency.insert_many(conn, _idempotency_rows(batch, outcomes, now=now))
    return outcomes


def _stored(conn: Connection, batch: list[tuple[IngestRequest, str]]) -> tuple[_Seen, _Seen]:
    """The batch's idempotency keys and natural keys already stored, with their answers."""
    idem_keys = [(r.idempotency_scope, r.idempotency_key) for r, _ in batch if _idem(r)]
    seen_idem: _Seen = {
        k: (row.request_hash, _replay(row.response, row.status_code))
        for k, row in idempotency.find(conn, idem_keys).items()  # type: ignore[arg-type]
    }
    natural = [(r.data.channel or "", r.data.external_id) for r, _ in batch if r.data.external_id]
    seen_orders: _Seen = {
        k: (row.content_hash, _existing(orders.to_order(row)))
        for k, row in order_intake.find_by_natural_keys(conn, natural).items()  # type: ignore[arg-type]
    }
    return seen_idem, seen_orders


def _dedupe(
    batch: list[tuple[IngestRequest, str]],
    seen_idem: _Seen,
    seen_orders: _Seen,
    *,
    now: datetime,
) -> tuple[list[_Outcome], list[tuple[int, OrderData, str]]]:
    """Each request's answer, and the orders to create: (index of the answer, data, new id).

    A request is checked against the stored keys and against the requests before it in the
    same batch; an answer of an order still to be created gets its body in ``_create``."""
    outcomes: list[_Outcome] = []
    new_orders: list[tuple[int, OrderData, str]] = []
    for req, digest in batch:
        data = req.data
        idem = _idem(req)
        if idem and idem in seen_idem:
            first_hash, first = seen_idem[idem]
            if first_hash != digest:
                outcomes.append(_key_reused(req.idempotency_key or ""))
            else:
                outcomes.append(dataclasses.replace(first, replayed=True))
            continue
        order_id = ids.new_id()
        external_id = data.external_id or order_id
        hit = seen_orders.get((data.channel or "", external_id))
        if hit is not None:
            first_hash, existing = hit
            if first_hash != digest:
                outcomes.append(_duplicate(data, existing.order_id))
                continue
            outcome: _Outcome = existing
        else:
            data = msgspec.structs.replace(
                data, external_id=external_id, placed_at=data.placed_at or now
            )
            new_orders.append((len(outcomes), data, order_id))
            outcome = IngestResult(created=True, order_id=order_id, body=b"")
            seen_orders[(data.channel or "", external_id)] = (
                digest,
                IngestResult(created=False, order_id=order_id, body=b""),
            )
        outcomes.append(outcome)
        if idem and isinstance(outcome, IngestResult):
            seen_idem[idem] = (digest, outcome)
    return outcomes, new_orders


def _create(
    conn: Connection,
    batch: list[tuple[IngestRequest, str]],
    outcomes: list[_Outcome],
    new_orders: list[tuple[int, OrderData, str]],
    rows: _Rows,
    *,
    now: datetime,
) -> None:
    """Number the new orders, add their rows to ``rows`` and fill in their answers' bodies."""
    numbers = order_intake.allocate_numbers(conn, len(new_orders))
    for number, (index, data, order_id) in zip(numbers, new_orders, strict=True):
        req, digest = batch[index]
        order = Order(
            **msgspec.structs.asdict(data),
            id=order_id,
            number=ids.order_number(number),
            public_ref=ids.public_ref(),
            status=OrderStatus.RECEIVED,
            received_at=now,
            updated_at=now,
        )
        paid = initial_payment(order, actor=req.actor, now=now)
        order = msgspec.structs.replace(order, payment=paid.summary.payment())
        body = _encoder.encode(order)
        outcomes[index] = IngestResult(created=True, order_id=order_id, body=body)
        rows.orders.append(
            _order_row(order, data, digest, now)
            | {
                "linked_order_id": req.link[0] if req.link else None,
                "link_kind": req.link[1] if req.link else None,
            }
            | payment_store.summary_values(paid.summary)
            | {"attention": paid.attention}
        )
        rows.payments += paid.rows
        rows.changes += [paid.change] if paid.change is not None else []
        rows.lines.extend(
            {"order_id": order_id, "position": i, "sku": ln.sku, "quantity": ln.quantity}
            for i, ln in enumerate(data.lines)
        )
        rows.events.append(
            event_row(
                order_id,
                Event(
                    at=now, actor=req.actor, kind=EventKind.RECEIVED, to_status=OrderStatus.RECEIVED
                ),
            )
        )
        rows.events += paid.events
        rows.jobs.append(job_store.NewJob(ACCEPT_JOB, {"order_id": order_id}))
    # Answers that point at an order created in this same batch get its body.
    bodies = {o.order_id: o.body for o in outcomes if isinstance(o, IngestResult) and o.body}
    for i, o in enumerate(outcomes):
        if isinstance(o, IngestResult) and not o.body:
            outcomes[i] = dataclasses.replace(o, body=bodies[o.order_id])


def _idempotency_rows(
    batch: list[tuple[IngestRequest, str]], outcomes: list[_Outcome], *, now: datetime
) -> list[dict[str, Any]]:
    """One record per idempotency key first answered in this batch."""
    idem_rows: dict[tuple[str, str], dict[str, Any]] = {}
    for (req, digest), outcome in zip(batch, outcomes, strict=True):
        idem = _idem(req)
        if idem and isinstance(outcome, IngestResult) and not outcome.replayed:
            idem_rows.setdefault(
                idem,
                {
                    "scope": idem[0],
                    "key": idem[1],
                    "request_hash": digest,
                    "status_code": outcome.status_code,
                    "response": outcome.body,
                    "created_at": now,
                },
            )
    return list(idem_rows.values())


def _idem(req: IngestRequest) -> tuple[str, str] | None:
    if req.idempotency_key and req.idempotency_scope:
        return (req.idempotency_scope, req.idempotency_key)
    return None


def _order_row(order: Order, data: OrderData, digest: str, now: datetime) -> dict[str, Any]:
    return {
        "id": order.id,
        "number": order.number,
        "public_ref": order.public_ref,
        "channel": order.channel,
        "external_id": order.external_id,
        "status": order.status,
        "held_from": None,
        "placed_at": order.placed_at,
        "received_at": now,
        "updated_at": now,
        "currency": order.currency,
        "total": order.totals.total,
        "content_hash": digest,
        "version": 1,
        "doc": _encoder.encode(data),
        "search": search_text(order.number, data),
    }


def _replay(body: bytes, status_code: int) -> IngestResult:
    order_id = msgspec.json.decode(body, type=_IdOnly).id
    return IngestResult(created=status_code == 201, order_id=order_id, body=body)


def _existing(order: Order) -> IngestResult:
    return IngestResult(created=False, order_id=order.id, body=_encoder.encode(order))


class _IdOnly(msgspec.Struct):
    id: str


def _key_reused(key: str) -> Unprocessable:
    return Unprocessable(
        f"Idempotency-Key {key!r} was already used with a different request body; "
        "use a new key for a new request",
        [FieldError("Idempotency-Key", "already used with a different body")],
    )


def _duplicate(data: OrderData, existing_id: str) -> Conflict:
    return Conflict(
        f"channel {data.channel!r} already has an order with external_id "
        f"{data.external_id!r} (hub order {existing_id}) and its content differs",
        [FieldError("external_id", f"already used on channel {data.channel} by {existing_id}")],
    )
