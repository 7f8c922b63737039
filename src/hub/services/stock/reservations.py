"""Stock held for orders: reserve an order's lines, release or consume what it holds, and
reserve or consume exactly where routing chose.

Each function takes a synchronous ``Connection`` so it runs inside the caller's
transaction (the accept job's claim, a cancellation, a shipment), committing with the
status change; each tells stock sync which SKUs moved.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import Connection

from hub.clock import utcnow
from hub.domain.settings import Policy
from hub.domain.stock import Level, MovementKind, apply, plan_reservation
from hub.services.stock_sync import stock_changed
from hub.store import catalog as catalog_store
from hub.store import stock as store


class Shortfall(msgspec.Struct, frozen=True):
    """What an order's line could not have: ``short`` of the ``wanted`` units of ``sku``."""

    sku: str
    wanted: int
    short: int


Wanted = dict[str, dict[str, int]]  # order id -> {stock SKU: units}
Levels = dict[tuple[str, str], Level]  # (sku, location) -> level


def reserve_orders(
    conn: Connection, order_ids: Sequence[str], *, policy_for: dict[str, Policy], now: datetime
) -> dict[str, list[Shortfall]]:
    """Reserve each order's lines, all or nothing per order, locations by priority, the
    orders one after another in the order of ``order_ids`` (the first served first).

    A line's SKU that is an alias reserves the SKU it names; a bundle reserves its
    components (shortfalls then name the component). Every SKU of the batch is
    locked first, in one sorted pass, so concurrent batches never deadlock. An order whose
    policy is ``backorder`` takes what there is and reports the rest.
    Returns each order's shortfalls (empty: fully reserved).
    """
    wanted = _wanted(conn, order_ids)
    locked = store.lock_levels(conn, {s for lines in wanted.values() for s in lines})
    current: Levels = {k: lvl for k, (_, lvl) in locked.items()}
    by_sku = _by_priority(locked)
    result: dict[str, list[Shortfall]] = {}
    movements: list[dict[str, Any]] = []
    touched: set[tuple[str, str]] = set()
    for order_id in order_ids:
        plans, short = _plan(wanted.get(order_id, {}), current, by_sku)
        result[order_id] = short
        if short and policy_for.get(order_id, "hold") == "hold":
            continue
        for sku, loc, n in plans:
            after = apply(MovementKind.RESERVATION, n, current[(sku, loc)])
            movements.append(_reservation(sku, loc, n, after, order_id, now))
            current[(sku, loc)] = after
            touched.add((sku, loc))
    # One statement for the movements, one update per (sku, location) to its final level,
    # under the locks taken above in sorted order: the same outcome as order by order.
    store.record_many(conn, movements, {key: current[key] for key in touched})
    stock_changed(conn, {sku for sku, _ in touched}, now=now)
    return result


def _reservation(
    sku: str, loc: str, n: int, after: Level, order_id: str, now: datetime
) -> dict[str, Any]:
    return {
        "at": now,
        "sku": sku,
        "location": loc,
        "kind": MovementKind.RESERVATION,
        "quantity": n,
        "on_hand_after": after.on_hand,
        "reserved_after": after.reserved,
        "reason": "order accepted",
        "source": "order",
        "order_id": order_id,
    }


def reservable(conn: Connection, order_ids: Sequence[str]) -> list[str]:
    """The orders of ``order_ids`` that ``reserve_orders`` would reserve in full, taken one
    after another in that order, from the stock as it stands. Reads only, locks nothing:
    a cheap first look before locking; ``reserve_orders`` decides under its locks."""
    wanted = _wanted(conn, order_ids)
    levels = store.lock_levels(
        conn, {s for lines in wanted.values() for s in lines}, for_update=False
    )
    current: Levels = {k: lvl for k, (_, lvl) in levels.items()}
    by_sku = _by_priority(levels)
    fits = []
    for order_id in order_ids:
        plans, short = _plan(wanted.get(order_id, {}), current, by_sku)
        if short:
            continue
        for sku, loc, n in plans:
            current[(sku, loc)] = apply(MovementKind.RESERVATION, n, current[(sku, loc)])
        fits.append(order_id)
    return fits


def _wanted(conn: Connection, order_ids: Sequence[str]) -> Wanted:
    """What each order's lines take of each stock SKU (aliases and bundles resolved)."""
    lines = store.order_lines(conn, order_ids)
    aliases = catalog_store.alias_owners(conn, {sku for _, sku, _ in lines})  # alias -> SKU
    bundles = catalog_store.components_of(conn, {aliases.get(s, s) for _, s, _ in lines})
    wanted: Wanted = defaultdict(dict)
    for order_id, line_sku, quantity in lines:
        sku = aliases.get(line_sku, line_sku)
        for part, per in bundles.get(sku, {sku: 1}).items():
            wanted[order_id][part] = wanted[order_id].get(part, 0) + quantity * per
    return wanted


def _by_priority(levels: dict[tuple[str, str], tuple[int, Level]]) -> dict[str, list[str]]:
    """Each SKU's locations, by priority then code: the order they are reserved from."""
    by_sku: dict[str, list[str]] = defaultdict(list)
    for (sku, loc), _ in sorted(levels.items(), key=lambda kv: (kv[1][0], kv[0])):
        by_sku[sku].append(loc)
    return by_sku


def _plan(
    wants: dict[str, int], current: Levels, by_sku: dict[str, list[str]]
) -> tuple[list[tuple[str, str, int]], list[Shortfall]]:
    """Where one order's units would come from (sku, location, units), and what is short."""
    plans: list[tuple[str, str, int]] = []
    short: list[Shortfall] = []
    for sku, qty in sorted(wants.items()):
        takes, left = plan_reservation(qty, [(loc, current[(sku, loc)]) for loc in by_sku[sku]])
        plans.extend((sku, loc, n) for loc, n in takes)
        if left:
            short.append(Shortfall(sku=sku, wanted=qty, short=left))
    return plans, short


def _settle(conn: Connection, order_id: str, kind: MovementKind, reason: str) -> int:
    held = store.reserved_for_order(conn, order_id)
    if not held:
        return 0
    locked = store.lock_levels(conn, {sku for sku, _ in held})
    now = utcnow()
    total = 0
    for key, n in sorted(held.items()):
        after = apply(kind, n, locked[key][1])
        signed = -n
        store.record(
            conn,
            sku=key[0],
            location=key[1],
            kind=kind,
            quantity=signed,
            after=after,
            reason=reason,
            source="order",
            order_id=order_id,
            now=now,
        )
        total += n
    stock_changed(conn, {sku for sku, _ in held}, now=now)
    return total


def release_order(conn: Connection, order_id: str, *, reason: str = "order cancelled") -> int:
    """Release whatever is reserved for the order; returns the units released."""
    return _settle(conn, order_id, MovementKind.RELEASE, reason)


def consume_order(conn: Connection, order_id: str, *, reason: str = "order shipped") -> int:
    """Ship the order's reserved units: on hand and reserved both fall. Returns the units."""
    return _settle(conn, order_id, MovementKind.SHIPMENT, reason)


def reserve_at(
    conn: Connection,
    order_id: str,
    plan: Sequence[tuple[str, str, int]],
    *,
    reason: str,
    now: datetime,
) -> None:
    """Reserve (sku, location, units) for an order exactly where routing chose. The caller
    has released the order's earlier reservation in the same transaction and checked the
    units are there (routing saw them under the same locks)."""
    store.ensure_levels(conn, {(sku, loc) for sku, loc, _ in plan})
    locked = store.lock_levels(conn, {sku for sku, _, _ in plan})
    for sku, loc, n in sorted(plan):
        level = locked[(sku, loc)][1]
        after = apply(MovementKind.RESERVATION, n, level)
        store.record(
            conn,
            sku=sku,
            location=loc,
            kind=MovementKind.RESERVATION,
            quantity=n,
            after=after,
            reason=reason,
            source="routing",
            order_id=order_id,
            now=now,
        )
        locked[(sku, loc)] = (locked[(sku, loc)][0], after)
    stock_changed(conn, {sku for sku, _, _ in plan}, now=now)


def consume_at(
    conn: Connection,
    order_id: str,
    location: str,
    parts: dict[str, int],
    *,
    reason: str,
    now: datetime,
) -> int:
    """A parcel left ``location``: its units leave on hand and the order's reservation there.
    Units beyond what the order holds reserved there (a backorder shipped from stock that
    arrived) are taken from on hand as an adjustment, never below 0. Returns the units."""
    held = store.reserved_for_order(conn, order_id)
    store.ensure_levels(conn, {(sku, location) for sku in parts})
    locked = store.lock_levels(conn, set(parts))
    total = 0
    for sku, n in sorted(parts.items()):
        if n <= 0:
            continue
        level = locked[(sku, location)][1]
        reserved = max(0, min(n, held.get((sku, location), 0), level.reserved, level.on_hand))
        if reserved:
            after = apply(MovementKind.SHIPMENT, reserved, level)
            store.record(
                conn,
                sku=sku,
                location=location,
                kind=MovementKind.SHIPMENT,
                quantity=-reserved,
                after=after,
                reason=reason,
                source="shipment",
                order_id=order_id,
                now=now,
            )
            level = after
        extra = min(n - reserved, max(0, level.on_hand))  # on hand never goes below 0
        if extra:
            after = apply(MovementKind.ADJUSTMENT, -extra, level)
            store.record(
                conn,
                sku=sku,
                location=location,
                kind=MovementKind.ADJUSTMENT,
                quantity=-extra,
                after=after,
                reason=f"{reason} (not reserved)",
                source="shipment",
                order_id=order_id,
                now=now,
            )
            level = after
        locked[(sku, location)] = (locked[(sku, location)][0], level)
        total += n
    stock_changed(conn, set(parts), now=now)
    return total
