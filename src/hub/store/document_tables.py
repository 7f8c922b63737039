"""Issued documents (invoices, receipts, credit notes) and the counters their numbers come from.

A document row is written once, when it is issued, with its content frozen as JSON; only its
PDF is added later, once (``pdf`` goes from NULL to the rendered bytes, never again). Nothing
else is ever updated or deleted: on both databases a trigger refuses it (migration 0017).
A series' counter row is updated in the issuing transaction, so numbers are gapless.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from hub.store.columns import UtcDateTime, metadata

document_counters = Table(
    "document_counters",
    metadata,
    Column("counter", String(64), primary_key=True),  # a series' code, or code + ":credit"
    Column("last", BigInteger, nullable=False),  # the last number given out (0: none yet)
)

documents = Table(
    "documents",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("series", String(64), nullable=False),
    Column("counter", String(64), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("number", String(100), nullable=False, unique=True),
    Column("kind", String(20), nullable=False),  # invoice, receipt, credit_note
    Column("order_id", String(26), ForeignKey("orders.id"), nullable=False),
    Column("credits_id", String(26), ForeignKey("documents.id")),  # a credit note's invoice
    Column("issued_at", UtcDateTime, nullable=False),
    Column("issue_date", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("net", BigInteger, nullable=False),
    Column("tax", BigInteger, nullable=False),
    Column("gross", BigInteger, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("content", Text, nullable=False),  # hub.domain.documents.DocumentContent, JSON
    Column("einvoice", Boolean, nullable=False),  # the PDF carries the EN 16931 XML
    Column("pdf", LargeBinary),
    Column("pdf_at", UtcDateTime),
    UniqueConstraint("counter", "seq"),
    Index(None, "order_id", "issued_at"),
    Index(None, "issued_at", "id"),
    Index(None, "series", "issued_at", "id"),
)
