"""Issued documents: the next number of a series, the insert-only rows, their PDFs.

``next_seq`` takes a series' next number by updating its counter row in the caller's
transaction: the row stays locked until that transaction ends (PostgreSQL; SQLite has one
writer at a time), so numbers are strictly increasing and a rollback gives its number back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.store.document_tables import document_counters, documents
from hub.store.paging import keyset, where_all
from hub.store.tables import orders

#: every column but the PDF's bytes (what lists and the JSON view read)
HEAD = [c for c in documents.c if c.name != "pdf"]


def next_seq(conn: Connection, counter: str) -> int:
    """The counter's next number (1 for the first), taken in the caller's transaction."""
    bump = (
        update(document_counters)
        .where(document_counters.c.counter == counter)
        .values(last=document_counters.c.last + 1)
        .returning(document_counters.c.last)
    )
    found = conn.execute(bump).scalar()
    if found is not None:
        return int(found)
    if conn.dialect.name == "postgresql":
        from_pg = _insert_pg(conn, counter)
        return from_pg if from_pg is not None else int(conn.execute(bump).scalar_one())
    conn.execute(document_counters.insert().values(counter=counter, last=1))
    return 1


def _insert_pg(conn: Connection, counter: str) -> int | None:
    """The first number of a new counter; None when another transaction made it first."""
    made = conn.execute(
        pg_insert(document_counters)
        .values(counter=counter, last=1)
        .on_conflict_do_nothing()
        .returning(document_counters.c.last)
    ).scalar()
    return None if made is None else int(made)


def insert(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(documents.insert().values(row))


def of_order_sync(conn: Connection, order_id: str) -> list[Row[Any]]:
    """The order's documents, oldest first (in the caller's transaction)."""
    query = select(*HEAD).where(documents.c.order_id == order_id)
    return list(conn.execute(query.order_by(documents.c.issued_at, documents.c.id)))


async def of_order(conn: AsyncConnection, order_id: str) -> list[Row[Any]]:
    return await conn.run_sync(of_order_sync, order_id)


async def get(conn: AsyncConnection, document_id: str) -> Row[Any] | None:
    return (await conn.execute(select(*HEAD).where(documents.c.id == document_id))).first()


def get_sync(conn: Connection, document_id: str) -> Row[Any] | None:
    return conn.execute(select(*HEAD).where(documents.c.id == document_id)).first()


def get_pdf(conn: Connection, document_id: str) -> bytes | None:
    """The document's stored PDF; None while it is not rendered yet (or no such document)."""
    found = conn.execute(select(documents.c.pdf).where(documents.c.id == document_id)).scalar()
    return bytes(found) if found is not None else None


async def pdf(conn: AsyncConnection, document_id: str) -> bytes | None:
    return await conn.run_sync(get_pdf, document_id)


def store_pdf(conn: Connection, document_id: str, pdf: bytes, *, now: datetime) -> bool:
    """Keep the rendered PDF, once. False when it was stored already (nothing changes)."""
    done = conn.execute(
        update(documents)
        .where(documents.c.id == document_id, documents.c.pdf.is_(None))
        .values(pdf=pdf, pdf_at=now)
    )
    return bool(done.rowcount)


async def page(
    conn: AsyncConnection,
    *,
    series: Sequence[str] | None,
    since: date | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Row[Any]]:
    """Documents by issue time (then id), after ``after``; filtered by series and by issue
    date on or after ``since``."""
    query = where_all(
        select(*HEAD),
        documents.c.series.in_(series) if series else None,
        documents.c.issue_date >= since if since is not None else None,
    )
    query = keyset(query, [documents.c.issued_at, documents.c.id], after, limit=limit)
    return list(await conn.execute(query))


def latest_seq(conn: Connection, counter: str) -> int:
    """The last number given out by ``counter`` (0: none)."""
    found = conn.execute(
        select(document_counters.c.last).where(document_counters.c.counter == counter)
    ).scalar()
    return int(found or 0)


async def order_exists(conn: AsyncConnection, order_id: str) -> bool:
    found = await conn.execute(select(orders.c.id).where(orders.c.id == order_id))
    return found.first() is not None


async def count(conn: AsyncConnection, *, series: Sequence[str] | None, since: date | None) -> int:
    query = where_all(
        select(func.count()).select_from(documents),
        documents.c.series.in_(series) if series else None,
        documents.c.issue_date >= since if since is not None else None,
    )
    return int((await conn.execute(query)).scalar_one())
