"""The ``documents.render`` job: a document's PDF, rendered once and kept.

The worker reads the frozen content, renders it in a thread (``hub.render``: PDF/A-3 with
the EN 16931 e-invoice embedded where the document carries one) and stores the bytes in one
transaction with a ``document_issued`` timeline entry ({document_id, kind, number, series}),
the event that mail and webhooks react to. A PDF already stored is left as it is (a job run
twice stores nothing twice).
"""

from __future__ import annotations

import asyncio

from sqlalchemy import Connection

from hub.clock import utcnow
from hub.domain.lifecycle import EventKind
from hub.services.documents.issue import content_of
from hub.services.jobs import FatalJobError, JobContext
from hub.store import documents as store
from hub.store import orders as order_store
from hub.store.jobs import Job
from hub.store.orders import Event, event_row


async def handle_render_job(ctx: JobContext, job: Job) -> None:
    document_id = str(job.payload.get("document_id", ""))
    async with ctx.db.read() as conn:
        row = await store.get(conn, document_id)
    if row is None:
        raise FatalJobError(f"no document {document_id}")
    if row.pdf_at is not None:
        return
    content = content_of(row)
    from hub.render import render_document  # the PDF stack, loaded on first use

    pdf = await asyncio.to_thread(render_document, content, einvoice=row.einvoice)

    def keep(conn: Connection) -> None:
        now = utcnow()
        if not store.store_pdf(conn, document_id, pdf, now=now):
            return
        detail = {"document_id": document_id, "kind": row.kind, "number": row.number,
                  "series": row.series}  # fmt: skip
        event = Event(at=now, actor="worker", kind=EventKind.DOCUMENT_ISSUED, detail=detail)
        order_store.add_events_sync(conn, [event_row(row.order_id, event)])

    await ctx.db.run_write(keep)
