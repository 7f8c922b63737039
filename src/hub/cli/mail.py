"""``hub mail``: the buyer mails the hub queued, sent, kept or failed; ``hub notifications
preview``: a mail an order would get, rendered now (nothing stored or sent)."""

from __future__ import annotations

import click
import msgspec

from hub import bootstrap
from hub.cli._columns import echo_json, json_option, render, when
from hub.cli._common import load_settings, run
from hub.domain.notifications import MailEvent, NotificationStatus
from hub.services.notifications import views
from hub.store.notifications import Notification, Rendered


@click.group()
def mail() -> None:
    """Buyer mails: what was sent, kept (no SMTP) or failed."""


@mail.command("list")
@click.option("--order", "order_id", help="an order id")
@click.option("--event", type=click.Choice([e.value for e in MailEvent]))
@click.option("--status", type=click.Choice([s.value for s in NotificationStatus]))
@click.option("--limit", default=100, show_default=True)
@json_option
def mail_list(
    order_id: str | None, event: str | None, status: str | None, limit: int, as_json: bool
) -> None:
    """List buyer mails, oldest first; each error under it."""
    items = run(
        load_settings(),
        lambda db: views.list_notifications(
            db, order_id=order_id, event=event, status=status, limit=limit
        ),
    )
    if as_json:
        echo_json([_short(n) for n in items])
        return
    rows = [
        [str(n.id), n.order_id, n.event, n.status, n.recipient or "", n.subject or "",
         when(n.sent_at or n.updated_at)]
        for n in items
    ]  # fmt: skip
    headers = ["ID", "ORDER", "EVENT", "STATUS", "TO", "SUBJECT", "AT (UTC)"]
    click.echo(render(headers, rows, shrink=(4, 5), notes=[n.error for n in items]))


def _short(n: Notification) -> dict[str, object]:
    shown = msgspec.structs.asdict(n)
    for name in ("text", "html", "facts"):
        shown.pop(name)
    return shown


@mail.command("show")
@click.argument("notification_id", type=int)
@click.option("--html", "show_html", is_flag=True, help="print the HTML part, not the text")
def mail_show(notification_id: int, show_html: bool) -> None:
    """Print mail NOTIFICATION_ID: its headers and its plain-text (or HTML) part."""
    n = run(load_settings(), lambda db: views.get(db, notification_id))
    click.echo(f"Status: {n.status}" + (f" ({n.error})" if n.error else ""))
    if not n.rendered:
        click.echo("(not rendered yet: its job has not run)")
        return
    _print(Rendered(recipient=n.recipient or "", message_id=n.message_id or "",
                    subject=n.subject or "", text=n.text or "", html=n.html or "",
                    language=n.language or "", attachment=n.attachment), show_html)  # fmt: skip


def _print(mail: Rendered, show_html: bool) -> None:
    click.echo(f"To: {mail.recipient}\nSubject: {mail.subject}\nMessage-ID: {mail.message_id}")
    click.echo(f"Language: {mail.language}")
    if mail.attachment:
        click.echo(f"Attachment: {mail.attachment}")
    click.echo("")
    click.echo(mail.html if show_html else mail.text)


@click.group()
def notifications() -> None:
    """Buyer notifications: preview a mail before any goes out."""


@notifications.command("preview")
@click.argument("event", type=click.Choice([e.value for e in MailEvent]))
@click.argument("order")
@click.option("--parcel", default="", help="the shipment id (default: the latest parcel)")
@click.option("--html", "show_html", is_flag=True, help="print the HTML part, not the text")
def preview(event: str, order: str, parcel: str, show_html: bool) -> None:
    """Print the EVENT mail ORDER (id, number or public reference) would get now."""
    settings = load_settings()
    connections = bootstrap.load_connections(settings, require_secrets=False)
    mailer = bootstrap.mailer(settings, connections)
    mail = run(settings, lambda db: views.preview(db, mailer, event, order, parcel))
    _print(mail, show_html)
