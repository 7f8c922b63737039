"""The buyer's tracking page as HTML: the public view of the order (no name, address or
price), each parcel's status history from its tracking events, in the brand's template and
the buyer's language."""

from __future__ import annotations

import json
from collections.abc import Callable
from email.utils import parseaddr
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, select

from hub.domain.lifecycle import EventKind
from hub.notifications.context import HistoryEntry, Shop, TrackingPage, tracking_page_from
from hub.notifications.i18n import buyer_locale
from hub.services.notifications.send import Mailer
from hub.store import orders as order_store
from hub.store.database import Database
from hub.store.tables import order_events

#: The after-sales hook: public_ref -> the URL of the page's "return items" form (None: no
#: link). The returns issue sets it to its ``/track/{ref}/return``.
ReturnForm = Callable[[str], str | None]


def _no_return_form(public_ref: str) -> str | None:
    return None


#: order statuses with something shipped: the page offers the return form then
SHIPPED = frozenset({"partially_shipped", "shipped", "delivered"})


def return_form_of(status: str) -> ReturnForm:
    """The link to the buyer's return form (``/track/{ref}/return``, relative to the page)
    once something has shipped; the form itself shows only the returnable lines."""
    if status not in SHIPPED:
        return _no_return_form
    return lambda ref: f"/track/{quote(ref, safe='')}/return"


def history(conn: Connection, order_id: str) -> dict[str, list[HistoryEntry]]:
    """tracking number -> its carrier events, newest first (from the order's timeline)."""
    rows = conn.execute(
        select(order_events.c.at, order_events.c.detail)
        .where(order_events.c.order_id == order_id, order_events.c.kind == EventKind.TRACKING)
        .order_by(order_events.c.id.desc())
    )
    out: dict[str, list[HistoryEntry]] = {}
    for r in rows:
        d = json.loads(r.detail) if r.detail else {}
        number = d.get("tracking_number")
        if number and d.get("status"):
            entry = HistoryEntry(at=r.at, status=str(d["status"]), detail=d.get("detail"))
            out.setdefault(str(number), []).append(entry)
    return out


async def tracking_html(
    db: Database, mailer: Mailer, order_id: str, channel: str, public: Any
) -> str:
    """The page of the order ``order_id`` whose public view is ``public``."""

    def read(conn: Connection) -> tuple[dict[str, list[HistoryEntry]], str | None]:
        return history(conn, order_id), order_store.load(conn, order_id).locale

    async with db.read() as aconn:
        entries, tag = await aconn.run_sync(read)
    form = return_form_of(public.status)
    return render_page(public, channel, entries, mailer, form, locale=tag)


def render_page(
    public: Any,
    channel: str,
    entries: dict[str, list[HistoryEntry]],
    mailer: Mailer,
    return_form: ReturnForm = _no_return_form,
    *,
    locale: str | None = None,
) -> str:
    """``public`` is the JSON answer (``PublicTracking``); ``entries`` from ``history``;
    ``locale`` the order's (the channel's ``locale``), else the shipping country decides."""
    name, address = parseaddr(mailer.sender(channel))
    page: TrackingPage = tracking_page_from(
        public,
        shop=Shop(name=name or address),
        history=entries,
        return_form_url=return_form(public.reference),
    )
    shown = buyer_locale(locale, public.ship_to_country)  # the order's, as in its mails
    return mailer.templates.brand(mailer.brand(channel)).render_tracking_page(page, shown)
