"""Buyer mails: the list (by status and event, cursor paged, the recipient masked), and
one mail with its subject, text part, HTML source and failure reason. Every channel's
mails: ``notifications:read``, which a channel's own key never holds (as in the API)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from hub.bootstrap import Hub
from hub.console.listing import PAGE, cursor_of, id_after
from hub.console.web import OPEN, Operator, page
from hub.domain.notifications import MailEvent, NotificationStatus
from hub.services.notifications import views


def masked(recipient: str | None) -> str:
    """``Jana Müller <jana@ex.org>`` -> ``j***@ex.org``: enough to tell mails apart."""
    if not recipient:
        return "—"
    address = recipient.rsplit("<", 1)[-1].rstrip(">").strip()
    local, at, domain = address.partition("@")
    return f"{local[:1]}***{at}{domain}" if at else "***"


@get("/notifications", opt=OPEN)
async def notifications(
    request: Request[Any, Any, Any], hub: NamedDependency[Hub], op: NamedDependency[Operator]
) -> Response[str]:
    op.need_every_channel("notifications:read")
    status = request.query_params.get("status", "")
    status = status if status in {s.value for s in NotificationStatus} else ""
    event = request.query_params.get("event", "")
    event = event if event in {e.value for e in MailEvent} else ""
    rows = await views.list_notifications(
        hub.db, event=[event] if event else None, status=[status] if status else None,
        after=id_after(request.query_params.get("cursor")), limit=PAGE + 1,
    )  # fmt: skip
    shown = rows[:PAGE]
    next_cursor = cursor_of(shown[-1].id) if len(rows) > PAGE else None
    return page(
        "notifications.html", op, mails=shown, masked=masked, shown_status=status, event=event,
        statuses=[s.value for s in NotificationStatus], events=[e.value for e in MailEvent],
        next_cursor=next_cursor,
    )  # fmt: skip


@get("/notifications/{notification_id:int}", opt=OPEN)
async def notification(
    hub: NamedDependency[Hub], op: NamedDependency[Operator], notification_id: FromPath[int]
) -> Response[str]:
    op.need_every_channel("notifications:read")
    found = await views.get(hub.db, notification_id)
    return page("notification.html", op, mail=found, masked=masked)
