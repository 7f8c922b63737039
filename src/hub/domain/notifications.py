"""Buyer notifications, pure: which mail an order event calls for, which events a channel
mails by default, and the states of one notification. No I/O.

- ``MailEvent``: the mails the hub sends (``AFTER_SALES_EVENTS``: those about returns and
  refunds).
- ``mails_for(row)``: a timeline row (``order_events``) -> the ``Due`` mails it causes, each
  keyed (event, parcel) so that one (order, event, parcel) is mailed once, ever.
- ``notify_default(connector)`` / ``refused_reason(connector)``: a connection's ``notify:``
  when it says nothing, and why a marketplace may not have one.
- ``NotificationStatus`` and ``NOTIFICATION_TRANSITIONS``: queued -> sent | failed | kept.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

import msgspec

from hub.domain.fulfilment import ParcelStatus
from hub.domain.lifecycle import EventKind, OrderStatus


class MailEvent(StrEnum):
    """The buyer mails the hub sends (issue 13)."""

    ORDER_CONFIRMED = "order_confirmed"
    PAYMENT_RECEIVED = "payment_received"
    SHIPPED = "shipped"  # once per parcel
    OUT_FOR_DELIVERY = "out_for_delivery"  # once per parcel
    DELIVERED = "delivered"  # once per order
    DELAYED = "delayed"  # a tracking exception (per parcel), or ship_by passed without one
    CANCELLED = "cancelled"  # with the refund due
    INVOICE_ISSUED = "invoice_issued"  # the PDF attached (one per document)
    # after-sales (issue 14): one per return (its id is the notification's ``parcel``)
    RETURN_REQUESTED = "return_requested"
    RETURN_AUTHORISED = "return_authorised"  # with the return label (attached, and its link)
    RETURN_RECEIVED = "return_received"  # the first units arrived
    REFUND_ISSUED = "refund_issued"  # a return's or a complaint's refund made


#: The after-sales mails: their context's ``extra`` holds the return's (or complaint's)
#: facts (``hub.services.notifications.build``).
AFTER_SALES_EVENTS: tuple[str, ...] = (
    MailEvent.RETURN_REQUESTED,
    MailEvent.RETURN_AUTHORISED,
    MailEvent.RETURN_RECEIVED,
    MailEvent.REFUND_ISSUED,
)
#: Event names kept for mails to come (none now: the after-sales ones are sent).
RESERVED_EVENTS: tuple[str, ...] = ()

ALL_EVENTS: frozenset[str] = frozenset(MailEvent)


class NotificationStatus(StrEnum):
    QUEUED = "queued"  # its job will render and send (or keep) it
    SENT = "sent"  # the SMTP server accepted it
    FAILED = "failed"  # refused for good (5xx, with its words), or its send job died
    KEPT = "kept"  # no HUB_SMTP_URL: rendered and kept in the database, not sent


N = NotificationStatus
NOTIFICATION_TRANSITIONS: dict[NotificationStatus, frozenset[NotificationStatus]] = {
    N.QUEUED: frozenset({N.SENT, N.FAILED, N.KEPT}),
    N.SENT: frozenset(),
    N.FAILED: frozenset(),
    N.KEPT: frozenset(),
}


def can_move_notification(current: NotificationStatus, target: NotificationStatus) -> bool:
    return target in NOTIFICATION_TRANSITIONS[current]


# ------------------------------------------------------------------------- per connection

#: connectors whose shops mail their own buyers: nothing by default (the merchant may opt in)
SHOPS_THAT_MAIL = frozenset({"shopify", "woocommerce", "square"})
#: marketplaces: no merchant mail at all
MARKETPLACES: dict[str, str] = {
    "amazon": "Amazon's communication guidelines forbid merchant mail to buyers outside "
    "Buyer-Seller Messaging",
    "ebay": "eBay's member-to-member contact policy forbids merchant mail to buyers outside "
    "eBay messages",
}


def notify_default(connector: str) -> frozenset[str]:
    """What a connection of ``connector`` mails when its ``notify:`` says nothing: every
    event for the call centre and generic channels, nothing for shops that mail their own
    buyers and for marketplaces."""
    if connector in SHOPS_THAT_MAIL or connector in MARKETPLACES:
        return frozenset()
    return ALL_EVENTS


def refused_reason(connector: str, notify: frozenset[str] | None) -> str | None:
    """Why ``notify`` cannot be set on a connection of ``connector`` (None: it may)."""
    if notify and connector in MARKETPLACES:
        return f"buyer mail is refused on {connector}: {MARKETPLACES[connector]}"
    return None


# ------------------------------------------------------------------- event -> mail


class Due(msgspec.Struct, frozen=True, kw_only=True):
    """One mail an event calls for. ``parcel`` is the shipment id ('' when the mail is about
    the order); ``facts`` is what the mail says that may change later (the refund due when
    cancelled, the payment received, the carrier's words), frozen at the event."""

    event: str
    parcel: str = ""
    facts: dict[str, Any] = {}


#: a tracking status -> the parcel mail it causes
_TRACKING: dict[str, MailEvent] = {
    ParcelStatus.OUT_FOR_DELIVERY: MailEvent.OUT_FOR_DELIVERY,
    ParcelStatus.EXCEPTION: MailEvent.DELAYED,
}


def _detail(row: Mapping[str, Any]) -> dict[str, Any]:
    raw = row.get("detail")
    if raw is None:
        return {}
    found = json.loads(raw) if isinstance(raw, str | bytes) else raw
    return found if isinstance(found, dict) else {}


def mails_for(row: Mapping[str, Any]) -> list[Due]:
    """The mails one timeline row calls for (most rows: none)."""
    kind, to = row.get("kind"), row.get("to_status")
    d = _detail(row)
    if kind in (EventKind.ACCEPT, EventKind.RELEASE) and to == OrderStatus.ACCEPTED:
        return [Due(event=MailEvent.ORDER_CONFIRMED)]
    if kind == EventKind.CANCEL and to == OrderStatus.CANCELLED:
        return [Due(event=MailEvent.CANCELLED, facts={"refund_due": _refund_amount(d)})]
    if kind == EventKind.STATUS and to == OrderStatus.DELIVERED:
        return [Due(event=MailEvent.DELIVERED)]
    if kind == EventKind.SHIPMENT and d.get("shipment"):
        return [Due(event=MailEvent.SHIPPED, parcel=str(d["shipment"]))]
    if kind == EventKind.TRACKING and d.get("status") in _TRACKING and d.get("shipment"):
        facts = {"detail": d.get("detail"), "reason": "tracking_exception"}
        return [Due(event=_TRACKING[d["status"]], parcel=str(d["shipment"]), facts=facts)]
    if kind == EventKind.OVERDUE:
        return [Due(event=MailEvent.DELAYED, facts={"reason": "not_shipped"})]
    if kind == EventKind.PAYMENT and _manual_capture(d):
        facts = {k: d.get(k) for k in ("amount", "currency", "method", "reference")}
        reference = str(d.get("reference") or "")
        return [Due(event=MailEvent.PAYMENT_RECEIVED, parcel=reference, facts=facts)]
    if kind == EventKind.DOCUMENT_ISSUED and d.get("kind") == "invoice" and d.get("document_id"):
        return [Due(event=MailEvent.INVOICE_ISSUED, parcel=str(d["document_id"]), facts=d)]
    return AFTER_SALES(row, d)


def _refund_amount(d: Mapping[str, Any]) -> int:
    """The refund due a cancel event names: an amount (a channel's cancel) or a ``RefundDue``
    (an operator's, ``hub.domain.refund``); 0 when it names none."""
    due = d.get("refund_due")
    if isinstance(due, dict):
        due = due.get("amount")
    return due if isinstance(due, int) else 0


def _manual_capture(d: Mapping[str, Any]) -> bool:
    """A payment taken by hand (cash, bank transfer): the buyer hears the hub got it. A
    channel's own payments the channel confirms itself."""
    return d.get("source") == "manual" and d.get("kind") in ("capture", "sale")


def after_sales(row: Mapping[str, Any], d: dict[str, Any]) -> list[Due]:
    """The return and refund mails: one per return (the notification's ``parcel`` is the
    return's id, a complaint refund's the complaint's). A return authorised with a label to
    buy is mailed when the label is bought (``return_label``), so the label goes with it."""
    kind, rid = row.get("kind"), str(d.get("return") or "")
    if kind == EventKind.RETURN_REQUESTED and rid:
        return [Due(event=MailEvent.RETURN_REQUESTED, parcel=rid)]
    if kind == EventKind.RETURN_AUTHORISED and rid and d.get("label") != "queued":
        return [Due(event=MailEvent.RETURN_AUTHORISED, parcel=rid)]
    if kind == EventKind.RETURN_LABEL and rid:
        return [Due(event=MailEvent.RETURN_AUTHORISED, parcel=rid)]
    if kind == EventKind.RETURN_RECEIVED and rid:
        return [Due(event=MailEvent.RETURN_RECEIVED, parcel=rid)]
    if kind in (EventKind.RETURN_REFUNDED, EventKind.COMPLAINT_REFUNDED):
        ref = rid or str(d.get("complaint") or "")
        facts = {"amount": d.get("amount"), "currency": d.get("currency")}
        return [Due(event=MailEvent.REFUND_ISSUED, parcel=ref, facts=facts)] if ref else []
    return []


#: The hook for return and refund mails: a function of (row, detail) -> [Due].
AFTER_SALES = after_sales
