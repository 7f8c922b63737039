"""Outbound webhooks: the event types a subscription may ask for, which timeline entries
become which event, and the states of one delivery with the moves between them. Pure.

Event types (the ``type`` of a delivered body; README "Outbound webhooks" documents each
one's ``data``):

- ``order.created``, ``order.status_changed``, ``order.attention``, ``shipment.created``,
  ``tracking.updated``, ``document.issued``: from the order's timeline (``TIMELINE_TYPES``);
- ``stock.changed``, ``inbound.quarantined``, ``job.dead``: sent where they happen.

``return.*`` and ``complaint.*`` come with the after-sales work: add the type to
``EventType`` and, when it is a timeline entry, its kind to ``TIMELINE_TYPES``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from hub.domain.lifecycle import EventKind, TransitionRefused


class EventType(StrEnum):
    ORDER_CREATED = "order.created"
    ORDER_STATUS_CHANGED = "order.status_changed"
    ORDER_ATTENTION = "order.attention"
    SHIPMENT_CREATED = "shipment.created"
    TRACKING_UPDATED = "tracking.updated"
    DOCUMENT_ISSUED = "document.issued"
    STOCK_CHANGED = "stock.changed"
    INBOUND_QUARANTINED = "inbound.quarantined"
    JOB_DEAD = "job.dead"


E = EventType
K = EventKind

#: timeline kind -> the event type it is sent as (matched by name, so a kind another part
#: of the hub adds, such as ``document_issued``, needs no import here)
TIMELINE_TYPES: dict[str, EventType] = {
    K.RECEIVED: E.ORDER_CREATED,
    K.SHIPMENT: E.SHIPMENT_CREATED,
    K.TRACKING: E.TRACKING_UPDATED,
    "document_issued": E.DOCUMENT_ISSUED,
    **{
        kind: E.ORDER_ATTENTION
        for kind in (
            K.UPDATE_REFUSED,
            K.CANCEL_REFUSED,
            K.STOCK_SHORT,
            K.STOCK_NOT_TAKEN,
            K.FULFILMENT_CANCEL_REFUSED,
            K.CANCELLED_FULFILMENT_SHIPPED,
            K.PAYMENT_MISMATCH,
        )
    },
}


def timeline_types(row: Mapping[str, Any]) -> list[EventType]:
    """The event types one timeline row is sent as: its kind's, and ``order.status_changed``
    when it moved the order from one status to another (a new order is ``order.created``)."""
    kind = str(row["kind"])
    found: list[EventType] = []
    mapped = TIMELINE_TYPES.get(kind)
    if mapped is not None:
        found.append(mapped)
    before, after = row.get("from_status"), row.get("to_status")
    if before is not None and after is not None and before != after:
        found.append(E.ORDER_STATUS_CHANGED)
    return found


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # queued, not tried yet (or queued again by a replay)
    RETRYING = "retrying"  # tried and failed; tried again on the backoff schedule
    DELIVERED = "delivered"  # the subscriber answered 2xx
    DEAD = "dead"  # failed for the whole retry span (or refused): parked until replayed


D = DeliveryStatus

#: from -> the statuses a delivery may move to; a replay puts delivered or dead back to pending
DELIVERY_TRANSITIONS: dict[DeliveryStatus, frozenset[DeliveryStatus]] = {
    D.PENDING: frozenset({D.DELIVERED, D.RETRYING, D.DEAD}),
    D.RETRYING: frozenset({D.DELIVERED, D.RETRYING, D.DEAD}),
    D.DELIVERED: frozenset({D.PENDING}),
    D.DEAD: frozenset({D.PENDING}),
}

#: what ``?state=failed`` replays
FAILED: frozenset[DeliveryStatus] = frozenset({D.DEAD})


def require_delivery_move(current: DeliveryStatus, target: DeliveryStatus) -> None:
    if target not in DELIVERY_TRANSITIONS[current]:
        raise TransitionRefused(
            current, target, what="a webhook delivery", table=DELIVERY_TRANSITIONS
        )


def signing_secrets(
    secret: str, previous: str | None, previous_until: datetime | None, now: datetime
) -> list[str]:
    """The secrets a delivery is signed with: the current one, and the one it replaced
    while that is still within its 24 h of grace (both signatures go in the header)."""
    found = [secret]
    if previous and previous_until is not None and now < previous_until:
        found.append(previous)
    return found
