"""Documents asked for by hand: ``POST /orders/{id}/invoice`` and
``POST /orders/{id}/credit-notes``.

Each runs in one transaction with the order's row locked: the document is issued (its
number taken) or refused with a 422 naming the field, and then nothing is written (no
number burnt). The PDF follows from the ``documents.render`` job.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from sqlalchemy import Connection

from hub.clock import utcnow
from hub.connections import Connections
from hub.domain.documents import InvalidDocument
from hub.domain.order import FieldError
from hub.errors import Conflict, NotFound, Unprocessable
from hub.services.documents.issue import bill_of, issue_bill, issue_credit_note
from hub.services.documents.views import Document, full
from hub.store import documents as store
from hub.store import orders as order_store
from hub.store import payments as payment_store
from hub.store.database import Database

VatId = Annotated[str, msgspec.Meta(pattern="^[A-Z]{2}[A-Za-z0-9+*.]{2,13}$")]


class InvoiceIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The body of ``POST /orders/{id}/invoice`` (optional)."""

    series: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | None = None
    buyer_vat_id: VatId | None = None  # the buyer's VAT id, printed and in the e-invoice


class CreditLineIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    position: Annotated[int, msgspec.Meta(ge=1, le=500)]  # the invoice line's position
    quantity: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]


class CreditNoteIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The body of ``POST /orders/{id}/credit-notes``: no ``lines`` credits everything not
    credited yet; given ``lines``, those quantities and the shipping if ``shipping``."""

    lines: Annotated[list[CreditLineIn], msgspec.Meta(max_length=500)] | None = None
    shipping: bool | None = None
    note: Annotated[str, msgspec.Meta(max_length=500)] | None = None


def _refused(exc: InvalidDocument) -> Unprocessable:
    return Unprocessable(f"{exc}; nothing was issued", exc.errors)


def invoice_sync(
    conn: Connection, connections: Connections, order_id: str, body: InvoiceIn, *, actor: str
) -> Document:
    if payment_store.lock_order(conn, order_id) is None:
        raise NotFound(f"no order {order_id}")
    found = bill_of(store.of_order_sync(conn, order_id))
    if found is not None:
        raise Conflict(
            f"the order has {found.kind} {found.number} already (document {found.id})",
            [FieldError("order_id", f"invoiced already: {found.number}")],
        )
    order = order_store.load(conn, order_id)
    documents = connections.documents
    series = documents.get(body.series) if body.series else documents.for_channel(order.channel)
    if series is None or series.kind != "invoice":
        reason = (
            f"no invoice series {body.series!r}"
            if body.series
            else f"no invoice series serves channel {order.channel!r}"
        )
        raise Unprocessable(f"series: {reason}", [FieldError("series", reason)])
    try:
        row = issue_bill(
            conn, order, series, kind="invoice", actor=actor, now=utcnow(),
            buyer_vat_id=body.buyer_vat_id,
        )  # fmt: skip
    except InvalidDocument as exc:
        raise _refused(exc) from None
    return full(row)


def credit_note_sync(
    conn: Connection, connections: Connections, order_id: str, body: CreditNoteIn, *, actor: str
) -> Document:
    row = payment_store.lock_order(conn, order_id)
    if row is None:
        raise NotFound(f"no order {order_id}")
    lines = None
    if body.lines is not None:
        lines = {}
        for ln in body.lines:
            lines[ln.position] = lines.get(ln.position, 0) + ln.quantity
    status = "refunded" if row.payment_status == "refunded" else "refund_due"
    try:
        made = issue_credit_note(
            conn, order_id, connections.documents, lines=lines, shipping=body.shipping,
            payment_status=status, actor=actor, now=utcnow(), note=body.note,
        )  # fmt: skip
    except InvalidDocument as exc:
        raise _refused(exc) from None
    return full(made)


async def invoice(
    db: Database, connections: Connections, order_id: str, body: InvoiceIn, *, actor: str
) -> Document:
    made = await db.run_write(lambda c: invoice_sync(c, connections, order_id, body, actor=actor))
    db.signal_jobs()
    return made


async def credit_note(
    db: Database, connections: Connections, order_id: str, body: CreditNoteIn, *, actor: str
) -> Document:
    made = await db.run_write(
        lambda c: credit_note_sync(c, connections, order_id, body, actor=actor)
    )
    db.signal_jobs()
    return made
