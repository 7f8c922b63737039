"""What an operator sees of buyer mails: the list, one mail, and a preview of a mail an
order would get (rendered, not stored, not sent)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, or_, select

from hub.clock import utcnow
from hub.domain.notifications import RESERVED_EVENTS, MailEvent, NotificationStatus
from hub.domain.order import FieldError
from hub.errors import NotFound, Unprocessable
from hub.services.notifications.send import Mailer
from hub.store import notifications as store
from hub.store.database import Database
from hub.store.notifications import Notification, Rendered
from hub.store.tables import orders


async def list_notifications(
    db: Database,
    *,
    order_id: Sequence[str] | None = None,
    event: Sequence[str] | None = None,
    status: Sequence[str] | None = None,
    after: int | None = None,
    limit: int,
) -> list[Notification]:
    def run(conn: Connection) -> list[Notification]:
        return store.list_notifications(
            conn, order_id=order_id, event=event, status=status, after=after, limit=limit
        )

    async with db.read() as aconn:
        return await aconn.run_sync(run)


async def get(db: Database, notification_id: int) -> Notification:
    async with db.read() as aconn:
        found = await aconn.run_sync(store.get, notification_id)
    if found is None:
        raise NotFound(f"no notification {notification_id}")
    return found


def _order_id(conn: Connection, ref: str) -> str | None:
    """An order by its id, number or public reference."""
    query = select(orders.c.id).where(
        or_(orders.c.id == ref, orders.c.number == ref, orders.c.public_ref == ref)
    )
    return conn.execute(query).scalar()


async def preview(db: Database, mailer: Mailer, event: str, ref: str, parcel: str = "") -> Rendered:
    """The mail ``event`` of order ``ref`` (its id, number or public reference) as the buyer
    would get it now; nothing is stored or sent."""
    if event not in set(MailEvent) | set(RESERVED_EVENTS):
        known = ", ".join(MailEvent)
        raise Unprocessable(
            f"unknown mail event {event!r} (known: {known})", [FieldError("event", "unknown")]
        )

    def run(conn: Connection) -> Rendered | str:
        order_id = _order_id(conn, ref)
        if order_id is None:
            raise NotFound(f"no order {ref!r}")
        channel = conn.execute(select(orders.c.channel).where(orders.c.id == order_id)).scalar_one()
        now = utcnow()
        n = Notification(
            id=0, order_id=order_id, event=event, parcel=parcel, status=NotificationStatus.QUEUED,
            channel=channel, facts={}, recipient=None, message_id=None, subject=None, text=None,
            html=None, language=None, attachment=None, error=None, created_at=now,
            updated_at=now, sent_at=None,
        )  # fmt: skip
        try:
            return mailer.render(conn, n)
        except ValueError as exc:  # the event needs a part this order lacks (no parcel yet)
            return str(exc)

    async with db.read() as aconn:
        found = await aconn.run_sync(run)
    if isinstance(found, str):
        raise Unprocessable(found, [FieldError("order", found)])
    return found
