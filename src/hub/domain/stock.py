"""Stock arithmetic: movement kinds and what applying one does to a level. Pure, no I/O.

A level is ``on_hand`` (units physically at a location) and ``reserved`` (units promised to
accepted orders). ``available = on_hand - reserved`` and is never negative: a movement that
would make it so is refused, except a count or an adjustment, which records what is really
on the shelf. Those may take ``on_hand`` below ``reserved``; the level is then *oversold*
(available clamps at 0 in ``available``) and the shortfall is reported, never hidden: the
ledger keeps the true figures and the orders already reserved keep their units.
"""

from __future__ import annotations

from enum import StrEnum

import msgspec


class MovementKind(StrEnum):
    RECEIPT = "receipt"  # goods in: on_hand +q
    ADJUSTMENT = "adjustment"  # correction: on_hand +/-q
    COUNT = "count"  # an absolute figure; becomes an adjustment by the difference
    RESERVATION = "reservation"  # promised to an order: reserved +q
    RELEASE = "release"  # promise withdrawn (cancel): reserved -q
    SHIPMENT = "shipment"  # promise kept: on_hand -q and reserved -q
    RETURN = "return"  # goods back: on_hand +q


#: kinds a caller may post to ``POST /stock/movements``; the rest follow orders.
MANUAL_KINDS = frozenset({MovementKind.RECEIPT, MovementKind.ADJUSTMENT, MovementKind.COUNT})


class Level(msgspec.Struct, frozen=True):
    on_hand: int = 0
    reserved: int = 0

    @property
    def available(self) -> int:
        return max(self.on_hand - self.reserved, 0)


class StockRefused(ValueError):
    """A movement the figures do not allow (e.g. reserving more than is available)."""


#: the most units one level holds (the figures are SQL INTEGER columns)
MAX_UNITS = 2**31 - 1


def delta(kind: MovementKind, quantity: int, level: Level) -> tuple[int, int]:
    """The change (on_hand, reserved) that ``kind`` of ``quantity`` makes to ``level``.

    For ``count``, ``quantity`` is the absolute figure counted. Raises ``StockRefused``.
    """
    d_hand, d_reserved = _delta(kind, quantity, level)
    if level.on_hand + d_hand > MAX_UNITS:
        raise StockRefused(
            f"a {kind} of {quantity} would take on hand {level.on_hand} past {MAX_UNITS}, "
            "the most one location holds of a SKU"
        )
    return d_hand, d_reserved


def _delta(kind: MovementKind, quantity: int, level: Level) -> tuple[int, int]:
    if kind == MovementKind.COUNT:
        if quantity < 0:
            raise StockRefused("a count cannot be negative")
        return quantity - level.on_hand, 0
    if kind == MovementKind.ADJUSTMENT:
        if level.on_hand + quantity < 0:
            raise StockRefused(
                f"an adjustment of {quantity} would take on hand {level.on_hand} below zero"
            )
        return quantity, 0
    if quantity <= 0:
        raise StockRefused(f"a {kind} needs a positive quantity")
    if kind in (MovementKind.RECEIPT, MovementKind.RETURN):
        return quantity, 0
    if kind == MovementKind.RESERVATION:
        if quantity > level.available:
            raise StockRefused(f"only {level.available} available, {quantity} wanted")
        return 0, quantity
    if kind == MovementKind.RELEASE:
        if quantity > level.reserved:
            raise StockRefused(f"only {level.reserved} reserved, {quantity} to release")
        return 0, -quantity
    # shipment consumes a reservation
    if quantity > level.reserved or quantity > level.on_hand:
        raise StockRefused(
            f"cannot ship {quantity}: {level.reserved} reserved, {level.on_hand} on hand"
        )
    return -quantity, -quantity


def apply(kind: MovementKind, quantity: int, level: Level) -> Level:
    """The level after the movement (see ``delta``)."""
    d_hand, d_reserved = delta(kind, quantity, level)
    return Level(level.on_hand + d_hand, level.reserved + d_reserved)


def plan_reservation(
    wanted: int, levels: list[tuple[str, Level]]
) -> tuple[list[tuple[str, int]], int]:
    """Take ``wanted`` units from ``levels`` (already in priority order).

    Returns the (location, quantity) takes and the shortfall (0 when fully covered).
    """
    takes: list[tuple[str, int]] = []
    left = wanted
    for location, level in levels:
        if left <= 0:
            break
        take = min(left, level.available)
        if take > 0:
            takes.append((location, take))
            left -= take
    return takes, left
