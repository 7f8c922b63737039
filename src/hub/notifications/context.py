"""What a buyer mail and the tracking page are rendered from: small frozen Structs.

Every field is always present (``None`` when not known), so a template that names a field
that does not exist fails at start (StrictUndefined), and one that names a field that is merely
empty renders. Money is ``Money(minor, currency)``; datetimes are timezone-aware UTC.

Which event needs which part (``REQUIRED``) is checked before rendering: a ``shipped`` mail
without its parcel is a bug in the caller, not an empty mail.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec

from hub.domain.notifications import AFTER_SALES_EVENTS as AFTER_SALES_EVENTS
from hub.domain.notifications import RESERVED_EVENTS as RESERVED_EVENTS
from hub.domain.notifications import MailEvent

#: The mails (``MailEvent``) and names kept for later (``RESERVED_EVENTS``) live in
#: ``hub.domain.notifications``. A reserved event renders only where a template for it exists
#: (a brand folder); ``check_templates`` checks any it finds with the sample context plus
#: ``samples.AFTER_SALES_EXTRA`` as ``extra``. The after-sales mails (``AFTER_SALES_EVENTS``)
#: read their return's facts from ``extra``: ``reference`` (the return's or complaint's id),
#: ``reason``, ``lines`` ([{name, quantity}]), ``label_url``, ``label_attached``,
#: ``carrier``, ``tracking_number`` and ``refund`` (a ``Money`` or None).


class Money(msgspec.Struct, frozen=True):
    minor: int
    currency: str


class Shop(msgspec.Struct, frozen=True, kw_only=True):
    """The brand that speaks to the buyer (from the connection or brand settings)."""

    name: str
    email: str | None = None  # where a buyer's reply goes (Reply-To)
    url: str | None = None


class Line(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    name: str
    quantity: int
    total: Money  # the line's price after discounts


class OrderInfo(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    number: str  # what the buyer knows: the channel's display number, else the hub's
    reference: str  # public_ref
    status: str
    placed_at: datetime | None
    customer_name: str | None
    lines: list[Line]
    total: Money
    tracking_page_url: str  # the hub's /track/{public_ref} page


class ParcelInfo(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    carrier: str | None
    service: str | None
    tracking_number: str | None
    tracking_url: str | None  # the carrier's own page, when known
    shipped_at: datetime | None
    estimated_delivery: date | None
    items: int


class PaymentInfo(msgspec.Struct, frozen=True, kw_only=True):
    amount: Money
    method: str | None
    received_at: datetime


class RefundInfo(msgspec.Struct, frozen=True, kw_only=True):
    amount: Money  # the refund due; zero when nothing was paid
    reason: str | None


class InvoiceInfo(msgspec.Struct, frozen=True, kw_only=True):
    number: str
    issued_at: date
    total: Money
    filename: str  # the attached PDF


class DelayInfo(msgspec.Struct, frozen=True, kw_only=True):
    reason: str  # "tracking_exception" | "not_shipped"
    detail: str | None  # the carrier's words, when there are any
    ship_by: datetime | None


class MailContext(msgspec.Struct, frozen=True, kw_only=True):
    """Everything one buyer mail may say. ``extra`` is the after-sales hook (see above)."""

    order: OrderInfo
    shop: Shop
    parcel: ParcelInfo | None = None
    payment: PaymentInfo | None = None
    refund: RefundInfo | None = None
    invoice: InvoiceInfo | None = None
    delay: DelayInfo | None = None
    extra: dict[str, Any] = {}


#: event -> the parts of MailContext it cannot do without
REQUIRED: dict[str, tuple[str, ...]] = {
    MailEvent.ORDER_CONFIRMED: (),
    MailEvent.PAYMENT_RECEIVED: ("payment",),
    MailEvent.SHIPPED: ("parcel",),
    MailEvent.OUT_FOR_DELIVERY: ("parcel",),
    MailEvent.DELIVERED: (),
    MailEvent.DELAYED: ("delay",),
    MailEvent.CANCELLED: ("refund",),
    MailEvent.INVOICE_ISSUED: ("invoice",),
    MailEvent.RETURN_REQUESTED: (),
    MailEvent.RETURN_AUTHORISED: (),
    MailEvent.RETURN_RECEIVED: (),
    MailEvent.REFUND_ISSUED: (),
}


def missing_parts(event: str, context: MailContext) -> list[str]:
    """The parts ``event`` needs that ``context`` lacks (empty when it can be rendered)."""
    return [p for p in REQUIRED.get(event, ()) if getattr(context, p) is None]


# ---------------------------------------------------------------------------- tracking page


class HistoryEntry(msgspec.Struct, frozen=True, kw_only=True):
    at: datetime
    status: str  # a TrackingStatus (in_transit, out_for_delivery, delivered, exception ...)
    detail: str | None = None


class PageParcel(msgspec.Struct, frozen=True, kw_only=True):
    """One parcel as ``PublicParcel`` has it, plus its status history (newest first)."""

    carrier: str | None
    service: str | None
    tracking_number: str | None
    tracking_url: str | None
    status: str
    estimated_delivery: date | None
    shipped_at: datetime | None
    items: int
    history: list[HistoryEntry] = []


class TrackingPage(msgspec.Struct, frozen=True, kw_only=True):
    """The buyer's page: no name, no address, no price (mirrors ``PublicTracking``).

    ``return_form_url`` is the after-sales hook: the page shows a "return items" link when set.
    """

    reference: str
    order_number: str
    status: str
    placed_at: datetime | None
    ship_to_country: str | None
    parcels: list[PageParcel]
    shop: Shop
    return_form_url: str | None = None


def _as_date(value: Any) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value)[:10])


def tracking_page_from(
    public: Any,
    *,
    shop: Shop,
    history: dict[str, list[HistoryEntry]] | None = None,
    return_form_url: str | None = None,
) -> TrackingPage:
    """Build the page's context from the service's ``PublicTracking`` (read by field name).

    ``history`` maps a tracking number to its entries; a parcel that carries its own
    ``history`` attribute uses that instead.
    """
    history = history or {}
    parcels = [
        PageParcel(
            carrier=p.carrier,
            service=p.service,
            tracking_number=p.tracking_number,
            tracking_url=p.tracking_url,
            status=p.status,
            estimated_delivery=_as_date(p.estimated_delivery),
            shipped_at=p.shipped_at,
            items=p.items,
            history=list(getattr(p, "history", None) or history.get(p.tracking_number or "", [])),
        )
        for p in public.parcels
    ]
    return TrackingPage(
        reference=public.reference,
        order_number=public.order_number,
        status=str(public.status),
        placed_at=public.placed_at,
        ship_to_country=public.ship_to_country,
        parcels=parcels,
        shop=shop,
        return_form_url=return_form_url,
    )
