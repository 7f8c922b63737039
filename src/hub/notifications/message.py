"""Buyer mails as ``email.message.EmailMessage``: two parts, attachments, a stable Message-ID.

The message is ``multipart/alternative`` (plain text first, then HTML), wrapped in
``multipart/mixed`` when something is attached. Headers that are not ASCII (a subject with
"Müller" or "東京", a display name) are RFC 2047 encoded when the message is serialised
(``email.policy.SMTP``). The Message-ID is derived from (order id, event, parcel id) and
the sender's domain, so a resend of the same mail carries the same Message-ID and a
receiving system that deduplicates on it shows one mail.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr

import msgspec

from hub.notifications.templates import RenderedMail


class Attachment(msgspec.Struct, frozen=True):
    filename: str
    content: bytes
    mime_type: str = "application/pdf"


def sender_domain(address: str) -> str:
    """The domain of ``address`` (``"Shop <mail@shop.example>"`` -> ``shop.example``)."""
    _, addr = parseaddr(address)
    if "@" not in addr:
        raise ValueError(f"{address!r} is not a mail address")
    return addr.rsplit("@", 1)[1].lower()


def message_id(order_id: str, event: str, parcel_id: str | None, domain: str) -> str:
    """``<hash.event@domain>``: the same inputs always give the same id."""
    key = "\x1f".join((order_id, event, parcel_id or ""))
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}.{event.replace('_', '-')}@{domain}>"


def build_message(
    rendered: RenderedMail,
    *,
    sender: str,
    to: str,
    message_id: str,
    reply_to: str | None = None,
    attachments: Sequence[Attachment] = (),
    date: datetime | None = None,
) -> EmailMessage:
    """One buyer mail, ready for ``hub.notifications.smtp.send_message``.

    Both parts are quoted-printable UTF-8, so the mail passes servers without 8BITMIME
    and no line exceeds SMTP's limit.

    ``sender``, ``to`` and ``reply_to`` are addresses with an optional display name
    (``"Müller & Söhne <shop@example.com>"``); ``date`` defaults to now.
    """
    msg = EmailMessage(policy=SMTP)
    msg["Subject"] = rendered.subject
    msg["From"] = _address(sender)
    msg["To"] = _address(to)
    if reply_to:
        msg["Reply-To"] = _address(reply_to)
    msg["Date"] = format_datetime(date or datetime.now().astimezone())
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies, please
    msg.set_content(rendered.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="quoted-printable")
    for a in attachments:
        maintype, _, subtype = a.mime_type.partition("/")
        msg.add_attachment(a.content, maintype=maintype, subtype=subtype, filename=a.filename)
    return msg


def _address(value: str) -> Address:
    name, addr = parseaddr(value)
    if "@" not in addr:
        raise ValueError(f"{value!r} is not a mail address")
    user, domain = addr.rsplit("@", 1)
    return Address(display_name=name, username=user, domain=domain)
