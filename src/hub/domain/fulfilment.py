"""Fulfilment and parcel statuses, the moves each may make, and how they follow the parcels.

A fulfilment is the part of an order one location ships; a parcel (``shipments`` table) is
one box of it on its way. Statuses flow one way::

    parcel statuses (the carrier's word)
        -> fulfilment status (its lines shipped, its parcels delivered)
            -> order status (released -> partially_shipped / shipped -> delivered)

``follow`` works that out from what is stored; the store refuses any move its table does
not allow (``TransitionRefused``), so a late or repeated partner message can never take a
status back. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from hub.domain.lifecycle import OrderStatus, TransitionRefused


class FulfilmentStatus(StrEnum):
    OPEN = "open"  # written by routing: to be sent to its partner, or the own warehouse's work
    ACCEPTED = "accepted"  # the partner took it (its reference is kept)
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"  # every unit is in a parcel
    DELIVERED = "delivered"  # ... and every parcel is delivered
    CANCELLED = "cancelled"  # with its order, or by the partner


F = FulfilmentStatus

#: from-status -> the statuses a fulfilment may move to. Anything not listed is refused.
FULFILMENT_TRANSITIONS: dict[FulfilmentStatus, frozenset[FulfilmentStatus]] = {
    # the own warehouse ships without accepting first, a parcel may come in delivered
    F.OPEN: frozenset({F.ACCEPTED, F.PARTIALLY_SHIPPED, F.SHIPPED, F.DELIVERED, F.CANCELLED}),
    F.ACCEPTED: frozenset({F.PARTIALLY_SHIPPED, F.SHIPPED, F.DELIVERED, F.CANCELLED}),
    F.PARTIALLY_SHIPPED: frozenset({F.SHIPPED, F.DELIVERED, F.CANCELLED}),  # partner cancels rest
    F.SHIPPED: frozenset({F.DELIVERED}),
    F.DELIVERED: frozenset(),
    F.CANCELLED: frozenset(),
}

#: still open: not all shipped, not ended. The own warehouse's work list (``status=open``),
#: what a label may be bought for, and what a cancellation ends.
STILL_OPEN: frozenset[FulfilmentStatus] = frozenset({F.OPEN, F.ACCEPTED, F.PARTIALLY_SHIPPED})


class ParcelStatus(StrEnum):
    """One status set for every carrier (``hub.sdk.TrackingStatus`` holds the same words)."""

    PRE_TRANSIT = "pre_transit"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    DELIVERED = "delivered"
    EXCEPTION = "exception"
    RETURNED_TO_SENDER = "returned_to_sender"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"


P = ParcelStatus

#: a parcel's end: no carrier news moves it again (a late or repeated event is stale)
PARCEL_ENDS: frozenset[ParcelStatus] = frozenset({P.DELIVERED, P.RETURNED_TO_SENDER, P.CANCELLED})

#: On its way a parcel may move to any status (carriers report pre_transit after a warehouse
#: said shipped, exceptions clear); from an end it moves nowhere.
PARCEL_TRANSITIONS: dict[ParcelStatus, frozenset[ParcelStatus]] = {
    s: frozenset() if s in PARCEL_ENDS else frozenset(set(P) - {s}) for s in P
}


def can_move_fulfilment(current: FulfilmentStatus, target: FulfilmentStatus) -> bool:
    return target in FULFILMENT_TRANSITIONS[current]


def require_fulfilment_move(current: FulfilmentStatus, target: FulfilmentStatus) -> None:
    if not can_move_fulfilment(current, target):
        raise TransitionRefused(current, target, what="a fulfilment", table=FULFILMENT_TRANSITIONS)


def can_move_parcel(current: ParcelStatus, target: ParcelStatus) -> bool:
    return target in PARCEL_TRANSITIONS[current]


def require_parcel_move(current: ParcelStatus, target: ParcelStatus) -> None:
    if not can_move_parcel(current, target):
        raise TransitionRefused(current, target, what="a parcel", table=PARCEL_TRANSITIONS)


# --- following the parcels --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FulfilmentState:
    """What the derivation reads of one fulfilment: its status, each line's ``(quantity,
    shipped)`` and the status of each of its parcels."""

    id: str
    status: FulfilmentStatus
    lines: Sequence[tuple[int, int]]
    parcels: Sequence[ParcelStatus] = ()


@dataclass(frozen=True, slots=True)
class Progress:
    """The moves ``follow`` asks for: fulfilment id -> its new status (changed ones only),
    and the order's steps, in order, each one move of the order table."""

    fulfilments: dict[str, FulfilmentStatus] = field(default_factory=dict)
    order: list[OrderStatus] = field(default_factory=list)


_SHIPPED = frozenset({F.SHIPPED, F.DELIVERED})
_SOME_SHIPPED = frozenset({F.PARTIALLY_SHIPPED, F.SHIPPED, F.DELIVERED})
#: the order statuses that follow the parcels, in their one direction
_FOLLOWING = (
    OrderStatus.RELEASED,
    OrderStatus.PARTIALLY_SHIPPED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
)


def fulfilment_status(state: FulfilmentState) -> FulfilmentStatus:
    """Delivered when every unit shipped and every parcel is delivered; shipped when every
    unit shipped; partially shipped when some did; else as it is. A cancelled fulfilment
    stays cancelled, and a status never moves back (a new parcel on a delivered fulfilment
    leaves it delivered)."""
    if state.status == F.CANCELLED:
        return state.status
    done = all(shipped >= quantity for quantity, shipped in state.lines)
    if done and state.parcels and all(p == P.DELIVERED for p in state.parcels):
        derived = F.DELIVERED
    elif done:
        derived = F.SHIPPED
    elif any(shipped for _, shipped in state.lines):
        derived = F.PARTIALLY_SHIPPED
    else:
        return state.status
    if derived == state.status or can_move_fulfilment(state.status, derived):
        return derived
    return state.status


def order_target(current: OrderStatus, fulfilments: Iterable[FulfilmentStatus]) -> OrderStatus:
    """The order status its fulfilments (cancelled ones aside) add up to: delivered when all
    are, shipped when all shipped, partially shipped when any shipped anything. Only an
    order that is released or further follows; with no live fulfilment it stays."""
    live = [s for s in fulfilments if s != F.CANCELLED]
    if current not in _FOLLOWING or not live:
        return current
    if all(s == F.DELIVERED for s in live):
        return OrderStatus.DELIVERED
    if all(s in _SHIPPED for s in live):
        return OrderStatus.SHIPPED
    if any(s in _SOME_SHIPPED for s in live):
        return OrderStatus.PARTIALLY_SHIPPED
    return current


def order_steps(current: OrderStatus, target: OrderStatus) -> list[OrderStatus]:
    """The order's moves from ``current`` to ``target``, forward only: through shipped on
    the way to delivered, through partially shipped only when that is where it stops."""
    if current not in _FOLLOWING or target not in _FOLLOWING:
        return []
    start, end = _FOLLOWING.index(current), _FOLLOWING.index(target)
    return [
        s
        for s in _FOLLOWING[start + 1 : end + 1]
        if s != OrderStatus.PARTIALLY_SHIPPED or s == target
    ]


def follow(order: OrderStatus, fulfilments: Sequence[FulfilmentState]) -> Progress:
    """Parcels -> fulfilments -> order: every status change the stored facts call for."""
    now = {f.id: fulfilment_status(f) for f in fulfilments}
    changed = {f.id: now[f.id] for f in fulfilments if now[f.id] != f.status}
    return Progress(changed, order_steps(order, order_target(order, now.values())))
