"""``/notifications``: the buyer mails the hub queued, sent, kept (no SMTP) or failed, with the
rendered subject and both parts, so a newcomer sees what a buyer would get."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from hub.api.auth import requires
from hub.api.paging import Listing, Page, PageAsk
from hub.bootstrap import Hub
from hub.domain.notifications import MailEvent, NotificationStatus
from hub.services.notifications import views


class NotificationOut(msgspec.Struct, frozen=True, kw_only=True):
    """One buyer mail: about one event of one order (``parcel``: the shipment, document or
    payment reference it is about; '' for the order). ``subject``, ``text`` and ``html`` are
    set once it is rendered (by its job); ``error`` says why it failed, or why its last try
    did not go out (it is retried)."""

    id: int
    order_id: str
    event: str
    parcel: str
    status: NotificationStatus
    channel: str
    recipient: str | None
    message_id: str | None
    subject: str | None
    language: str | None
    attachment: str | None
    error: str | None
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None


class NotificationDetail(NotificationOut, frozen=True, kw_only=True):
    """A buyer mail with both parts and the facts its event froze."""

    text: str | None
    html: str | None
    facts: dict[str, Any]


_LIST: Listing[tuple[int]] = Listing("notifications", tuple[int])


def _out(n: Any) -> NotificationOut:
    return msgspec.convert(n, NotificationOut, from_attributes=True)


class NotificationController(Controller):
    path = "/notifications"
    tags = ["notifications"]
    guards = [requires("notifications:read")]

    @get("/", summary="List buyer mails, oldest first")
    async def list_notifications(
        self,
        hub: NamedDependency[Hub],
        page: NamedDependency[PageAsk],
        order: Annotated[
            list[Annotated[str, msgspec.Meta(max_length=64)]] | None,
            QueryParameter(description="order ids, any of"),
        ] = None,
        event: Annotated[list[MailEvent] | None, QueryParameter(description="any of")] = None,
        notification_status: Annotated[
            list[NotificationStatus] | None, QueryParameter(name="status", description="any of")
        ] = None,
    ) -> Page[NotificationOut]:
        after = _LIST.after(page.cursor)
        found = await views.list_notifications(
            hub.db, order_id=order, event=event, status=notification_status,
            after=after[0] if after else None, limit=page.fetch,
        )  # fmt: skip
        return _LIST.page(found, page, key=lambda n: (n.id,), show=_out)

    @get("/{notification_id:int}", summary="One buyer mail, with its subject and both parts")
    async def get_notification(
        self, hub: NamedDependency[Hub], notification_id: FromPath[int]
    ) -> NotificationDetail:
        found = await views.get(hub.db, notification_id)
        return msgspec.convert(found, NotificationDetail, from_attributes=True)
