"""The ``notifications.send`` job: render a queued notification once, then send it over SMTP
(or, without ``HUB_SMTP_URL``, keep it in the database).

Exactly one mail per (order, event, parcel): the row is unique, it is rendered once (a retry
sends the mail the first attempt rendered, with the same Message-ID), and it is marked
``sent`` in a transaction committed after the server accepted it. The one window in which a
mail can go out twice: the server accepted it and the process died (or lost the database)
before that commit; the job's lease runs out and the mail is sent again, with the same
Message-ID. A 5xx answer fails the notification with the server's words (no retry); a 4xx,
a dropped connection or a timeout is retried on the outbox's backoff. When the job dies (its
24 h of retries ran out, or its worker kept dying on it), ``settle_dead`` marks the
notification ``failed`` with the job's last error, in the transaction that parks the job.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from typing import Any

from sqlalchemy import Connection

from hub.clock import utcnow
from hub.config import Settings
from hub.domain.notifications import MailEvent, NotificationStatus
from hub.notifications.context import Shop
from hub.notifications.i18n import buyer_locale
from hub.notifications.message import Attachment, build_message, message_id, sender_domain
from hub.notifications.smtp import SmtpSettings, parse_smtp_url, send_message
from hub.notifications.templates import RenderedMail, Templates
from hub.services.jobs import JobContext, JobRegistry, RetryLater
from hub.services.notifications.build import label_filename, mail_context
from hub.services.notifications.tap import SEND_JOB
from hub.store import notifications as store
from hub.store import orders as order_store
from hub.store import returns as returns_store
from hub.store.jobs import Job
from hub.store.notifications import Notification, Rendered

#: (db, notification) -> the file to attach, or None. The invoice's PDF comes from the
#: documents (``hub.store.documents.get_pdf``); bootstrap registers the source.
AttachmentSource = Callable[[Any, Notification], Awaitable[Attachment | None]]
Q = NotificationStatus.QUEUED
DEFAULT_MAIL_FROM = "Shop <shop@localhost>"
DEFAULT_PUBLIC_URL = "http://localhost:8000"
MIME = {"pdf": "application/pdf", "png": "image/png"}


@dataclass(slots=True)
class Mailer:
    """What the job needs beyond its context: the checked templates, the connections'
    settings, and where attachments come from."""

    templates: Templates
    connections: Any  # hub.connections.Connections
    settings: Settings
    smtp: SmtpSettings | None = None
    attachments: AttachmentSource | None = None

    @classmethod
    def of(cls, templates: Templates, connections: Any, settings: Settings) -> Mailer:
        smtp = parse_smtp_url(settings.smtp_url) if settings.smtp_url else None
        return cls(templates, connections, settings, smtp)

    def sender(self, channel: str) -> str:
        own = self.connections.hub_settings(channel).mail_from
        return own or self.settings.mail_from or DEFAULT_MAIL_FROM

    @property
    def public_url(self) -> str:
        return self.settings.public_url or DEFAULT_PUBLIC_URL

    def brand(self, channel: str) -> str:
        return self.connections.hub_settings(channel).templates or channel

    def render(self, conn: Connection, n: Notification) -> Rendered | str:
        """The mail of ``n`` from the order as it is now; a reason when it cannot have one."""
        order = order_store.load(conn, n.order_id)
        if not order.customer.email:
            return "the order has no buyer email"
        sender = self.sender(n.channel)
        name, address = parseaddr(sender)
        shop = Shop(name=name or address, email=address)
        ctx = mail_context(conn, n, order, shop=shop, public_url=self.public_url)
        country = order.shipping_address.country if order.shipping_address else None
        locale = buyer_locale(order.locale, country)
        mail = self.templates.brand(self.brand(n.channel)).render_mail(n.event, ctx, locale)
        email, name = order.customer.email, order.customer.name
        to = f"{name} <{email}>" if name else email
        attachment = ctx.invoice.filename if ctx.invoice else None
        if n.event == MailEvent.RETURN_AUTHORISED and ctx.extra.get("label_attached"):
            attachment = label_file(conn, n.parcel)
        mid = message_id(n.order_id, n.event, n.parcel or None, sender_domain(sender))
        return Rendered(
            recipient=to, message_id=mid, subject=mail.subject, text=mail.text, html=mail.html,
            language=locale.language, attachment=attachment,
        )  # fmt: skip


def label_file(conn: Connection, return_id: str) -> str | None:
    row = returns_store.get(conn, return_id)
    return label_filename(row) if row is not None else None


async def _rendered(ctx: JobContext, mailer: Mailer, notification_id: int) -> Notification | None:
    """The queued notification, rendered (now, if it was not); None when there is nothing
    (left) to send."""

    def run(conn: Connection) -> Notification | None:
        n = store.get(conn, notification_id)
        if n is None or n.status != Q:
            return None
        if n.rendered:
            return n
        mail = mailer.render(conn, n)
        now = utcnow()
        if isinstance(mail, str):
            store.move(conn, n.id, Q, NotificationStatus.FAILED, now=now, error=mail)
            return None
        store.keep_rendered(conn, n.id, mail, now=now)
        return store.get(conn, n.id)

    return await ctx.db.run_write(run)


async def _attachments(ctx: JobContext, mailer: Mailer, n: Notification) -> list[Attachment]:
    if n.event == MailEvent.RETURN_AUTHORISED and n.attachment:
        async with ctx.db.read() as aconn:
            label = await aconn.run_sync(lambda conn: returns_store.get(conn, n.parcel))
        if label is None or not label.label:
            return []
        mime = MIME.get(n.attachment.rsplit(".", 1)[-1], "application/octet-stream")
        return [Attachment(filename=n.attachment, content=label.label, mime_type=mime)]
    if n.event != MailEvent.INVOICE_ISSUED:
        return []
    found = await mailer.attachments(ctx.db, n) if mailer.attachments else None
    if found is None:
        raise RetryLater("the invoice's PDF is not available yet", after_seconds=60)
    return [found]


async def _move(
    ctx: JobContext, n: Notification, target: NotificationStatus, error: str | None = None
) -> None:
    def run(conn: Connection) -> None:
        store.move(conn, n.id, Q, target, now=utcnow(), error=error)

    await ctx.db.run_write(run)


def send_handler(mailer: Mailer) -> Callable[[JobContext, Job], Awaitable[None]]:
    async def handle(ctx: JobContext, job: Job) -> None:
        n = await _rendered(ctx, mailer, int(job.payload["notification"]))
        if n is None:
            return
        if mailer.smtp is None:
            await _move(ctx, n, NotificationStatus.KEPT)
            return
        assert n.subject is not None and n.text is not None and n.html is not None
        message = build_message(
            RenderedMail(n.subject, n.text, n.html),
            sender=mailer.sender(n.channel),
            to=n.recipient or "",
            message_id=n.message_id or "",
            attachments=await _attachments(ctx, mailer, n),
        )
        result = await send_message(message, mailer.smtp)
        if result.outcome == "accepted":
            await asyncio.shield(_move(ctx, n, NotificationStatus.SENT))
        elif result.outcome == "permanent":
            await _move(ctx, n, NotificationStatus.FAILED, result.reason)
        else:
            reason = f"{result.stage}: {result.reason}"
            await ctx.db.run_write(lambda conn: store.note_error(conn, n.id, reason, now=utcnow()))
            raise RetryLater(reason, after_seconds=0)

    return handle


def settle_dead(conn: Connection, job: Job, error: str, now: datetime) -> None:
    """The send job died (its retries ran out, or its worker kept dying): the notification
    it stood for is ``failed`` with the reason, not left ``queued`` forever."""
    n = store.get(conn, int(job.payload["notification"]))
    if n is not None and n.status == Q:
        reason = f"not sent: its job died ({error})"
        store.move(conn, n.id, Q, NotificationStatus.FAILED, now=now, error=reason[:2000])


def register(registry: JobRegistry, mailer: Mailer) -> None:
    registry.register(SEND_JOB, send_handler(mailer), outbound=True)
    registry.on_dead[SEND_JOB] = settle_dead
