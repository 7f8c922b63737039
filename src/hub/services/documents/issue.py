"""Issuing a document in the caller's transaction: its content, its number, its row, its job.

The content is worked out first (``hub.domain.documents``, ``hub.domain.credit_notes``); only
then is the series' next number taken, so a document that cannot be issued burns no number,
and a transaction that rolls back gives its number back. The row is inserted once with the
content frozen as JSON; the PDF is rendered by the ``documents.render`` job
(``hub.services.documents.render``), never in the request.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, NamedTuple

import msgspec
from sqlalchemy import Connection, Row

from hub.clock import utcnow
from hub.domain.credit_notes import credit_note_content
from hub.domain.document_series import DocumentSeries, SeriesIn
from hub.domain.documents import (
    DocumentContent,
    DocumentKind,
    InvalidDocument,
    invoice_content,
)
from hub.domain.ids import new_id
from hub.domain.order import FieldError, Order
from hub.store import documents as store
from hub.store import jobs as job_store
from hub.store.jobs import NewJob

RENDER_JOB = "documents.render"  # payload: document_id
RENDER_ATTEMPTS = 8
#: the kinds that bill an order (a credit note corrects one of them)
BILLS = frozenset({"invoice", "receipt"})


class Issued(NamedTuple):
    """A document row as written (the columns of ``store.documents.HEAD``)."""

    id: str
    series: str
    counter: str
    seq: int
    number: str
    kind: str
    order_id: str
    credits_id: str | None
    issued_at: datetime
    issue_date: date
    currency: str
    net: int
    tax: int
    gross: int
    actor: str
    content: str
    einvoice: bool
    pdf_at: datetime | None


def rates_of(order: Order) -> dict[int, str]:
    """Each line's own tax rate, where the channel sent one (index -> rate)."""
    return {i: ln.tax_rate for i, ln in enumerate(order.lines) if isinstance(ln.tax_rate, str)}


def content_of(row: Row[Any] | Issued) -> DocumentContent:
    return msgspec.json.decode(row.content, type=DocumentContent)


def bill_of(rows: list[Row[Any]]) -> Row[Any] | None:
    """The order's invoice (or receipt) among its documents, if it has one."""
    return next((r for r in rows if r.kind in BILLS), None)


def _write(
    conn: Connection,
    series: SeriesIn,
    content: DocumentContent,
    *,
    order_id: str,
    credits: str | None,
    actor: str,
    now: datetime,
) -> Issued:
    """Number ``content`` from its series, keep it, and queue its PDF. The number is taken
    last, so the series' counter row stays locked for one insert and the commit only."""
    kind: DocumentKind = content.kind
    document_id = new_id()
    job_store.enqueue_sync(
        conn,
        [NewJob(RENDER_JOB, {"document_id": document_id})],
        now=now,
        max_attempts=RENDER_ATTEMPTS,
    )
    seq = store.next_seq(conn, series.counter(kind))
    content = msgspec.structs.replace(content, number=series.number(seq, kind))
    einvoice = series.einvoice and kind != "receipt" and _einvoice_obstacle(content) is None
    totals = content.totals
    row = {
        "id": document_id, "series": series.code, "counter": series.counter(kind),
        "seq": seq, "number": content.number, "kind": kind, "order_id": order_id,
        "credits_id": credits, "issued_at": utcnow(), "issue_date": content.issue_date,
        "currency": content.currency, "net": totals.net, "tax": totals.tax,
        "gross": totals.gross, "actor": actor,
        "content": msgspec.json.encode(content).decode(), "einvoice": einvoice,
    }  # fmt: skip
    store.insert(conn, row)
    return Issued(**row, pdf_at=None)


def issue_bill(
    conn: Connection,
    order: Order,
    series: SeriesIn,
    *,
    kind: DocumentKind,
    actor: str,
    now: datetime,
    buyer_vat_id: str | None = None,
) -> Issued:
    """The order's invoice (or till receipt) from ``series``; ``InvalidDocument`` names the
    field when it cannot be issued (nothing is written then)."""
    content = invoice_content(
        order, number="", issue_date=now.date(), seller=series.issuer(),
        default_rate=series.default_tax_rate, rates=rates_of(order),
        shipping_rate=series.shipping_tax_rate, kind=kind, buyer_vat_id=buyer_vat_id,
        payment_days=series.payment_days,
    )  # fmt: skip
    return _write(conn, series, content, order_id=order.id, credits=None, actor=actor, now=now)


def _left(bill: DocumentContent, credited: list[DocumentContent]) -> tuple[dict[int, int], bool]:
    """What of ``bill`` is not credited yet: quantity per line position, and the shipping."""
    left = {ln.position: ln.quantity for ln in bill.lines}
    shipping = bill.shipping is not None
    for note in credited:
        for ln in note.lines:
            left[ln.position] -= ln.quantity
        shipping = shipping and note.shipping is None
    return {p: q for p, q in left.items() if q > 0}, shipping


def issue_credit_note(
    conn: Connection,
    order_id: str,
    documents: DocumentSeries,
    *,
    lines: Mapping[int, int] | None,
    shipping: bool | None,
    payment_status: str,
    actor: str,
    now: datetime,
    note: str | None = None,
) -> Issued:
    """A credit note for what of the order's invoice is not credited yet: all of it
    (``lines`` None) or the quantities given per line position (and the shipping if asked).
    ``InvalidDocument`` when nothing was invoiced, or nothing (or not that much) is left."""
    rows = store.of_order_sync(conn, order_id)
    bill_row = bill_of(rows)
    if bill_row is None:
        raise InvalidDocument([FieldError("invoice", "nothing was invoiced for this order")])
    bill = content_of(bill_row)
    notes = [content_of(r) for r in rows if r.credits_id == bill_row.id]
    left, shipping_left = _left(bill, notes)
    if lines is None:
        lines, shipping = left, shipping_left if shipping is None else shipping and shipping_left
    else:
        for position, quantity in lines.items():
            if quantity > left.get(position, 0):
                reason = f"{left.get(position, 0)} left to credit on invoice {bill.number}"
                raise InvalidDocument([FieldError(f"lines[{position}].quantity", reason)])
        if shipping and not shipping_left:
            raise InvalidDocument([FieldError("shipping", "no shipping left to credit")])
    if not lines and not shipping:
        reason = f"everything on {bill.number} is credited already"
        raise InvalidDocument([FieldError("lines", reason)])
    series = documents.get(bill_row.series)
    if series is None:
        reason = f"series {bill_row.series!r} is not configured any more"
        raise InvalidDocument([FieldError("series", reason)])
    content = credit_note_content(
        bill, number="", issue_date=now.date(), lines=lines, shipping=bool(shipping),
        payment_status=payment_status,
    )  # fmt: skip
    if note is not None:
        content = msgspec.structs.replace(content, note=note)
    return _write(
        conn, series, content, order_id=order_id, credits=bill_row.id, actor=actor, now=now
    )


def _einvoice_obstacle(content: Any) -> str | None:
    """``hub.render.einvoice_obstacle``, imported here on first use: the PDF stack (fpdf,
    fontTools, lxml, facturx) costs tens of MiB in every process that never renders."""
    from hub.render import einvoice_obstacle

    return einvoice_obstacle(content)
