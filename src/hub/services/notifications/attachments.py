"""Where an invoice mail's PDF comes from: the documents store, read by the document id the
``document_issued`` event named (kept as the notification's ``parcel``)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection

from hub.notifications.message import Attachment
from hub.services.notifications.send import AttachmentSource
from hub.store.database import Database
from hub.store.notifications import Notification

GetPdf = Callable[[Connection, str], bytes | None]


def pdf_source(get_pdf: GetPdf) -> AttachmentSource:
    """An attachment source over ``get_pdf(conn, document_id)`` (``hub.store.documents``)."""

    async def source(db: Database, n: Notification) -> Attachment | None:
        async with db.read() as aconn:
            pdf = await aconn.run_sync(get_pdf, n.parcel)
        if pdf is None:
            return None
        return Attachment(filename=n.attachment or f"{n.parcel}.pdf", content=pdf)

    return source
