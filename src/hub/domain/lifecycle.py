"""The order state machine: every allowed status change lives in one table."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any


class OrderStatus(StrEnum):
    RECEIVED = "received"
    ON_HOLD = "on_hold"
    ACCEPTED = "accepted"
    ALLOCATED = "allocated"
    RELEASED = "released"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    CLOSED = "closed"


class EventKind(StrEnum):
    """Every kind of entry an order's timeline may hold (``order_events.kind``)."""

    RECEIVED = "received"  # stored by the hub
    UPDATED = "updated"  # the channel sent a changed version
    ACCEPT = "accept"  # reserved (or backordered)
    ROUTE = "route"  # the routing decision: the rule, its reason, the fulfilments
    RELEASE = "release"  # handed to fulfilment, or released from a hold
    HOLD = "hold"
    CANCEL = "cancel"
    STATUS = "status"  # shipped, delivered ...: followed from the parcels
    FULFILMENT_SENT = "fulfilment_sent"
    LABEL = "label"
    SHIPMENT = "shipment"
    SHIPMENT_CONFIRMED = "shipment_confirmed"  # the parcel went back to the channel
    TRACKING = "tracking"
    FULFILLED_ON_CHANNEL = "fulfilled_on_channel"
    PAYMENT = "payment"  # a payment transaction recorded (or a pending one settled)
    # an invoice, receipt or credit note's PDF stored: {document_id, kind, number, series}
    DOCUMENT_ISSUED = "document_issued"
    # flagged for an operator (the order's ``attention``)
    UPDATE_REFUSED = "update_refused"
    CANCEL_REFUSED = "cancel_refused"
    STOCK_SHORT = "stock_short"
    STOCK_NOT_TAKEN = "stock_not_taken"
    FULFILMENT_CANCEL_REFUSED = "fulfilment_cancel_refused"  # the partner would not cancel
    FULFILMENT_CANCELLED = "fulfilment_cancelled"  # the partner cancelled one
    CANCELLED_FULFILMENT_SHIPPED = "cancelled_fulfilment_shipped"
    EDITED = "edited"  # an operator changed the address, note, tags, ship_by or service level
    PAYMENT_MISMATCH = "payment_mismatch"  # captured differs from the total: both figures
    # returns (domain/returns): every step of a return of the order
    RETURN_REQUESTED = "return_requested"  # opened; outside policy: with the reasons
    RETURN_AUTHORISED = "return_authorised"
    RETURN_REJECTED = "return_rejected"
    RETURN_CANCELLED = "return_cancelled"
    RETURN_LABEL = "return_label"  # the return label bought
    RETURN_IN_TRANSIT = "return_in_transit"  # on its way back: the carrier or the channel says so
    RETURN_RECEIVED = "return_received"  # units received and graded (partially or in full)
    RETURN_REFUND_QUEUED = "return_refund_queued"  # the refund on its way to the channel
    RETURN_REFUNDED = "return_refunded"
    RETURN_CLOSED = "return_closed"
    RETURN_EXCHANGE = "return_exchange"  # the exchange's order made, or released to ship
    EXCHANGE = "exchange"  # on the exchange's new order: what it replaces, for which return
    RETURN_CHANNEL = "return_channel"  # a channel's report on a return the hub did not follow
    # complaints (services/complaints): each step on the complained-about order's timeline
    COMPLAINT_OPENED = "complaint_opened"
    COMPLAINT_ANSWERED = "complaint_answered"
    COMPLAINT_RESOLVED = "complaint_resolved"  # with its outcome
    COMPLAINT_REJECTED = "complaint_rejected"
    COMPLAINT_RESHIP = "complaint_reship"  # on the new order: what it reships, for which
    COMPLAINT_REFUND_QUEUED = "complaint_refund_queued"  # on its way to the channel
    COMPLAINT_REFUNDED = "complaint_refunded"  # the channel made it (or it was recorded)
    OVERDUE = "overdue"  # ship_by passed and no parcel has left (the buyer is told: delayed)
    DOCUMENT_REFUSED = "document_refused"  # an invoice or credit note could not be issued


S = OrderStatus

#: from-status -> the statuses it may move to. Anything not listed is refused.
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    # received -> delivered: a point-of-sale order, handed over at the till
    S.RECEIVED: frozenset({S.ACCEPTED, S.ON_HOLD, S.CANCELLED, S.DELIVERED}),
    S.ON_HOLD: frozenset({S.RECEIVED, S.ACCEPTED, S.ALLOCATED, S.CANCELLED}),
    S.ACCEPTED: frozenset({S.ALLOCATED, S.ON_HOLD, S.CANCELLED}),
    S.ALLOCATED: frozenset({S.RELEASED, S.ACCEPTED, S.ON_HOLD, S.CANCELLED}),
    S.RELEASED: frozenset({S.PARTIALLY_SHIPPED, S.SHIPPED, S.CANCELLED}),
    S.PARTIALLY_SHIPPED: frozenset({S.SHIPPED}),
    S.SHIPPED: frozenset({S.DELIVERED, S.CLOSED}),
    S.DELIVERED: frozenset({S.CLOSED}),
    S.CANCELLED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}

#: statuses an operator may put on hold, and to which a release returns.
HOLDABLE: frozenset[OrderStatus] = frozenset(
    s for s, targets in TRANSITIONS.items() if S.ON_HOLD in targets
)


#: statuses in which an order's content may still change: nothing went to fulfilment yet.
EDITABLE: frozenset[OrderStatus] = frozenset({S.RECEIVED, S.ON_HOLD, S.ACCEPTED, S.ALLOCATED})


class TransitionRefused(ValueError):
    """A status change a state machine does not allow (an order's, or ``what`` by ``table``)."""

    def __init__(
        self,
        current: StrEnum,
        target: StrEnum,
        *,
        what: str = "an order",
        table: Mapping[Any, frozenset[Any]] = TRANSITIONS,
    ) -> None:
        allowed = ", ".join(sorted(table[current])) or "nothing (final)"
        super().__init__(
            f"{what} that is {current} cannot become {target}; from {current} it may become: "
            f"{allowed}"
        )
        self.current = current
        self.target = target


def can_move(current: OrderStatus, target: OrderStatus) -> bool:
    return target in TRANSITIONS[current]


def require_move(current: OrderStatus, target: OrderStatus) -> None:
    if not can_move(current, target):
        raise TransitionRefused(current, target)


def release_target(held_from: OrderStatus | None) -> OrderStatus:
    """Where an order on hold returns when released: the status it was held from."""
    if held_from is None or held_from not in HOLDABLE:
        return S.RECEIVED
    return held_from
