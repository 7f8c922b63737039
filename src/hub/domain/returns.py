"""Returns (RMA): their states and allowed moves, the reasons, resolutions and grades, the
return policy check and the refund a receipt earns. Pure, no I/O.

A return moves ``requested -> authorised -> in_transit -> received / partially_received ->
refunded -> closed``; ``rejected`` and ``cancelled`` end it early. Every stored status is one
of ``ReturnStatus`` and every move is checked against ``TRANSITIONS`` by the store function
that writes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal, get_args

import msgspec

from hub.domain.order import Order


class ReturnStatus(StrEnum):
    REQUESTED = "requested"
    AUTHORISED = "authorised"
    IN_TRANSIT = "in_transit"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    REFUNDED = "refunded"
    CLOSED = "closed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


R = ReturnStatus

#: from-status -> the statuses it may move to. Anything not listed is refused.
TRANSITIONS: dict[ReturnStatus, frozenset[ReturnStatus]] = {
    R.REQUESTED: frozenset({R.AUTHORISED, R.REJECTED, R.CANCELLED}),
    R.AUTHORISED: frozenset({R.IN_TRANSIT, R.PARTIALLY_RECEIVED, R.RECEIVED, R.CANCELLED}),
    R.IN_TRANSIT: frozenset({R.PARTIALLY_RECEIVED, R.RECEIVED}),
    R.PARTIALLY_RECEIVED: frozenset({R.PARTIALLY_RECEIVED, R.RECEIVED, R.REFUNDED, R.CLOSED}),
    R.RECEIVED: frozenset({R.REFUNDED, R.CLOSED}),
    R.REFUNDED: frozenset({R.CLOSED}),
    R.CLOSED: frozenset(),
    R.REJECTED: frozenset(),
    R.CANCELLED: frozenset(),
}

#: statuses whose units still count against what an order line may return
ACTIVE: frozenset[ReturnStatus] = frozenset(set(R) - {R.REJECTED, R.CANCELLED})
#: statuses in which units may be received
RECEIVABLE: frozenset[ReturnStatus] = frozenset(
    s for s, targets in TRANSITIONS.items() if R.RECEIVED in targets
)

#: how far on a return is; a channel's report of an earlier state than the return's changes
#: nothing (a late or repeated report)
_RANK: dict[ReturnStatus, int] = {
    R.REQUESTED: 0, R.AUTHORISED: 1, R.IN_TRANSIT: 2, R.PARTIALLY_RECEIVED: 3, R.RECEIVED: 4,
    R.REFUNDED: 5, R.CLOSED: 6, R.REJECTED: 7, R.CANCELLED: 7,
}  # fmt: skip
#: the moves a channel's report may make by itself (units are received and graded by the
#: hub, at a location; a refund is recorded through the refund path)
_CHANNEL_MOVES = frozenset({R.AUTHORISED, R.IN_TRANSIT, R.CLOSED, R.REJECTED, R.CANCELLED})


def channel_path(current: ReturnStatus, target: ReturnStatus) -> list[ReturnStatus] | None:
    """The moves that take a return from ``current`` to the ``target`` a channel reports:
    [] when it is there or past it already; None when the transition table allows no way
    (a channel closing a return the hub has not received: noted, not forced)."""
    if _RANK[target] <= _RANK[current]:
        return []
    paths: dict[ReturnStatus, list[ReturnStatus]] = {current: []}
    todo = [current]
    while todo:
        at = todo.pop(0)
        for nxt in sorted(TRANSITIONS[at] & _CHANNEL_MOVES):
            if nxt not in paths:
                paths[nxt] = [*paths[at], nxt]
                todo.append(nxt)
    return paths.get(target)


ReasonCode = Literal[
    "damaged",
    "defective",
    "wrong_item",
    "not_as_described",
    "size_or_fit",
    "no_longer_needed",
    "arrived_late",
    "other",
]
REASONS: tuple[str, ...] = get_args(ReasonCode)
Resolution = Literal["refund", "exchange", "store_credit"]
Grade = Literal["sellable", "refurbish", "damaged"]
Opener = Literal["operator", "buyer", "channel"]
PaidBy = Literal["buyer", "merchant"]
#: when an exchange's replacement order goes to fulfilment: once the returned units are all
#: received (it waits on hold, its stock reserved), or at once
ExchangeRelease = Literal["on_receipt", "at_once"]


class ReturnPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """A channel's return policy (its connection's ``return_*`` settings)."""

    window_days: int = 30  # from delivery; 0: no window
    excluded_skus: frozenset[str] = frozenset()
    excluded_tags: frozenset[str] = frozenset()  # the order's tags
    shipping_paid_by: PaidBy = "buyer"  # buyer: the return label's cost is kept back
    restocking_fee_percent: int = 0
    refund_shipping: bool = False  # refund the order's shipping once every unit came back
    refurbish_location: str | None = None
    exchange_release: ExchangeRelease = "on_receipt"


def outside_policy(
    order: Order,
    wanted: Mapping[int, int],
    *,
    policy: ReturnPolicy,
    delivered_at: datetime | None,
    now: datetime,
) -> list[str]:
    """Why a return of ``wanted`` (order line index -> units) breaks ``policy``; [] when it
    does not. A return outside policy waits ``requested`` with these reasons."""
    reasons = []
    if policy.window_days and delivered_at is not None:
        ends = delivered_at + timedelta(days=policy.window_days)
        if now > ends:
            reasons.append(
                f"the {policy.window_days}-day return window ended {ends.date().isoformat()}"
            )
    skus = sorted({order.lines[i].sku for i in wanted} & policy.excluded_skus)
    if skus:
        reasons.append(f"not returnable: {', '.join(skus)}")
    tags = sorted(set(order.tags) & policy.excluded_tags)
    if tags:
        reasons.append(f"the order is tagged {', '.join(tags)}, which is not returnable")
    return reasons


class RefundFigures(msgspec.Struct, frozen=True, kw_only=True):
    """What a return's received units earn, in minor units: ``amount`` is what is paid back
    (never more than ``refundable``)."""

    goods: int  # the lines, net of their discounts
    tax: int  # their tax, where prices exclude it
    shipping: int  # the order's shipping, when the policy refunds it
    restocking_fee: int
    label_cost: int  # the return label, when the buyer pays return shipping
    computed: int
    refundable: int  # captured less refunded and less refunds already on their way
    amount: int


def _share(value: int, units: int, of: int) -> int:
    """``units`` of ``of`` units' ``value``, rounded half up."""
    return (2 * value * units + of) // (2 * of) if of else 0


def _percent(value: int, percent: int) -> int:
    return (2 * value * percent + 100) // 200


def refund_figures(
    order: Order,
    received: Mapping[int, int],
    *,
    policy: ReturnPolicy,
    everything_back: bool,
    label_cost: int,
    refundable: int,
) -> RefundFigures:
    """The refund of ``received`` (order line index -> units): each line's price net of its
    discount and, where prices exclude tax, its tax, pro rata; the shipping when the policy
    says so and ``everything_back``; less the restocking fee and the buyer's label."""
    goods = tax = 0
    for i, units in received.items():
        line = order.lines[i]
        goods += _share(line.unit_price * line.quantity - line.discount, units, line.quantity)
        if not order.totals.tax_included:
            tax += _share(line.tax, units, line.quantity)
    shipping = 0
    if policy.refund_shipping and everything_back:
        s = order.shipping
        shipping = s.price - s.discount + (0 if order.totals.tax_included else s.tax)
    fee = _percent(goods, policy.restocking_fee_percent)
    label = label_cost if policy.shipping_paid_by == "buyer" else 0
    computed = max(0, goods + tax + shipping - fee - label)
    return RefundFigures(
        goods=goods, tax=tax, shipping=shipping, restocking_fee=fee, label_cost=label,
        computed=computed, refundable=max(0, refundable),
        amount=max(0, min(computed, refundable)),
    )  # fmt: skip


def shipped_per_line(order: Order, shipped: Mapping[str, int]) -> dict[int, int]:
    """Units shipped per order line index, from units shipped per SKU (lines in order)."""
    left = dict(shipped)
    out = {}
    for i, line in enumerate(order.lines):
        n = min(line.quantity, left.get(line.sku, 0))
        left[line.sku] = left.get(line.sku, 0) - n
        out[i] = n
    return out


def returnable(shipped: Mapping[int, int], returned: Iterable[tuple[int, int]]) -> dict[int, int]:
    """Units each line may still return: shipped less what active returns hold."""
    out = dict(shipped)
    for i, units in returned:
        out[i] = out.get(i, 0) - units
    return {i: max(0, n) for i, n in out.items()}
