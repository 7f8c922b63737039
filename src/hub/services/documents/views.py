"""Reading issued documents: one as JSON, an order's, pages for accountants, the CSV export.

The CSV export (``hub documents export``) is the shape a bookkeeper imports: one row per
document with its net, tax and gross per tax rate (a column triple per rate found in the
export), amounts as decimals in the document's currency, credit notes negative.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import msgspec
from sqlalchemy import Row

from hub.domain.documents import DocumentContent, TaxSummary
from hub.domain.money import to_decimal_string
from hub.domain.taxes import parse_rate
from hub.errors import NotFound
from hub.services.documents.issue import Issued, content_of
from hub.store import documents as store
from hub.store.database import Database


class DocumentHead(msgspec.Struct, frozen=True, kw_only=True):
    """A document as lists show it: what it is, its number, its figures per tax rate."""

    id: str
    series: str
    kind: str
    number: str
    order_id: str
    credits_id: str | None
    issued_at: datetime
    issue_date: date
    currency: str
    net: int
    tax: int
    gross: int
    summary: list[TaxSummary]
    einvoice: bool  # its PDF carries the EN 16931 (Factur-X) XML
    pdf_ready: bool  # the PDF is rendered (GET /documents/{id}/pdf)


class Document(DocumentHead, frozen=True, kw_only=True):
    """One document with its whole content, exactly as issued."""

    content: DocumentContent


def head(row: Row[Any] | Issued, content: DocumentContent | None = None) -> DocumentHead:
    content = content or content_of(row)
    return DocumentHead(
        id=row.id, series=row.series, kind=row.kind, number=row.number, order_id=row.order_id,
        credits_id=row.credits_id, issued_at=row.issued_at, issue_date=row.issue_date,
        currency=row.currency, net=row.net, tax=row.tax, gross=row.gross,
        summary=content.summary, einvoice=row.einvoice, pdf_ready=row.pdf_at is not None,
    )  # fmt: skip


def full(row: Row[Any] | Issued) -> Document:
    content = content_of(row)
    return Document(**msgspec.structs.asdict(head(row, content)), content=content)


async def get(db: Database, document_id: str) -> Document:
    async with db.read() as conn:
        row = await store.get(conn, document_id)
    if row is None:
        raise NotFound(f"no document {document_id}")
    return full(row)


async def of_order(db: Database, order_id: str) -> list[DocumentHead] | None:
    """The order's documents, oldest first; None when there is no such order."""
    async with db.read() as conn:
        if not await store.order_exists(conn, order_id):
            return None
        return [head(r) for r in await store.of_order(conn, order_id)]


async def pdf(db: Database, document_id: str) -> tuple[str, bytes | None]:
    """The document's number and PDF (None while it is being rendered)."""
    async with db.read() as conn:
        row = await store.get(conn, document_id)
        if row is None:
            raise NotFound(f"no document {document_id}")
        return row.number, await store.pdf(conn, document_id)


async def page(
    db: Database,
    *,
    series: list[str] | None,
    since: date | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Row[Any]]:
    async with db.read() as conn:
        return await store.page(conn, series=series, since=since, after=after, limit=limit)


async def export_csv(
    db: Database,
    *,
    since: date | None,
    series: list[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    batch: int = 500,
) -> str:
    """Every document issued on or after ``since``, as CSV (see the module docstring);
    ``progress(done, total)`` after each page read."""
    async with db.read() as conn:
        total = await store.count(conn, series=series, since=since)
    rows: list[tuple[Row[Any], DocumentContent]] = []
    after: tuple[datetime, str] | None = None
    while True:
        found = await page(db, series=series, since=since, after=after, limit=batch)
        rows += [(r, content_of(r)) for r in found]
        if progress is not None:
            progress(len(rows), max(total, len(rows)))
        if len(found) < batch:
            break
        after = (found[-1].issued_at, found[-1].id)
    return _csv(rows)


BASE = ["number", "kind", "series", "issue_date", "credits", "order", "buyer", "buyer_vat_id",
        "currency", "net", "tax", "gross"]  # fmt: skip


def _csv(rows: list[tuple[Row[Any], DocumentContent]]) -> str:
    rates = sorted({s.rate for _, c in rows for s in c.summary}, key=lambda r: -parse_rate(r))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(BASE + [f"{what}_{r}" for r in rates for what in ("net", "tax", "gross")])
    for row, c in rows:
        sign = -1 if c.kind == "credit_note" else 1

        def money(minor: int, sign: int = sign, currency: str = c.currency) -> str:
            return to_decimal_string(sign * minor, currency) if minor else "0"

        per_rate = {s.rate: s for s in c.summary}
        buyer = c.buyer
        writer.writerow(
            [row.number, row.kind, row.series, row.issue_date.isoformat(),
             c.credited_invoice or "", c.external_number or c.order_number,
             (buyer.company or buyer.name or "") if buyer else "",
             (buyer.vat_id or "") if buyer else "", c.currency, money(c.totals.net),
             money(c.totals.tax), money(c.totals.gross)]
            + [
                money(getattr(per_rate[r], what)) if r in per_rate else ""
                for r in rates
                for what in ("net", "tax", "gross")
            ]
        )  # fmt: skip
    return out.getvalue()
