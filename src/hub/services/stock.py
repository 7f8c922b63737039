"""Stock use cases: post movements, reserve / release / consume an order's stock, read levels.

The order functions take a synchronous ``Connection`` so they run inside the caller's
transaction (the accept job's claim, a cancellation), committing with the status change.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from sqlalchemy import Connection, select

from hub.clock import utcnow
from hub.domain.ats import (
    ChannelAts,
    LocationFigures,
    Term,
    channel_ats,
    rules_from_settings,
    serves,
)
from hub.domain.order import Address, FieldError
from hub.domain.stock import Level, MovementKind, StockRefused, apply, delta, plan_reservation
from hub.errors import Conflict, NotFound, Unprocessable
from hub.sdk.connector import Connection as ChannelConnection
from hub.services.stock_sync import stock_changed
from hub.store import catalog as catalog_store
from hub.store import idempotency as idempotency_store
from hub.store import stock as store
from hub.store.database import Database
from hub.store.tables import order_lines

Sku = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Code = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
Policy = Literal["hold", "backorder"]


class MovementIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One posted movement. For ``count`` the quantity is the absolute figure counted."""

    kind: Literal["receipt", "adjustment", "count"]
    sku: Sku
    location: str
    quantity: int
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
    source: Annotated[str, msgspec.Meta(max_length=200)] | None = None


class LocationIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    code: Code
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    kind: Literal["own", "3pl", "store"] = "own"
    priority: int = 100
    safety_stock: Annotated[int, msgspec.Meta(ge=0)] = 0
    country: Annotated[str, msgspec.Meta(pattern="^[A-Z]{2}$")] | None = None
    region: Annotated[str, msgspec.Meta(max_length=50)] | None = None
    connection: Code | None = None  # who fulfils for it; None: the hub's own API
    address: Address | None = None  # ship-from for labels


class LocationStock(msgspec.Struct, frozen=True):
    location: str
    on_hand: int
    reserved: int
    available: int


class ComponentStock(msgspec.Struct, frozen=True):
    """One component of a bundle: how many a bundle takes, and how many are available."""

    sku: str
    quantity: int
    available: int


class StockView(msgspec.Struct, frozen=True):
    sku: str
    on_hand: int
    reserved: int
    available: int
    locations: list[LocationStock]
    channels: list[ChannelAts] = []
    components: list[ComponentStock] | msgspec.UnsetType = msgspec.UNSET  # a bundle's only


class Shortfall(msgspec.Struct, frozen=True):
    sku: str
    wanted: int
    short: int


def _apply_batch(conn: Connection, items: Sequence[MovementIn], source: str) -> None:
    known = store.location_codes(conn)
    for i, item in enumerate(items):
        if item.location not in known:
            raise Unprocessable(
                f"movements[{i}]: no location {item.location!r}",
                [FieldError(f"movements[{i}].location", "unknown location")],
            )
    keys = {(m.sku, m.location) for m in items}
    store.ensure_levels(conn, keys)
    locked = store.lock_levels(conn, {m.sku for m in items})
    current = {k: lvl for k, (_, lvl) in locked.items()}
    now = utcnow()
    for i, item in enumerate(items):
        key = (item.sku, item.location)
        level = current[key]
        kind = MovementKind(item.kind)
        try:
            d_hand, _ = delta(kind, item.quantity, level)
        except StockRefused as exc:
            raise Unprocessable(
                f"movements[{i}] ({item.sku} at {item.location}): {exc}; nothing was applied",
                [FieldError(f"movements[{i}].quantity", str(exc))],
            ) from None
        reason = item.reason
        if kind == MovementKind.COUNT:
            reason = f"count of {item.quantity} (was {level.on_hand}): {item.reason}"
        after = Level(level.on_hand + d_hand, level.reserved)
        store.record(
            conn,
            sku=item.sku,
            location=item.location,
            kind=MovementKind.ADJUSTMENT if kind == MovementKind.COUNT else kind,
            quantity=d_hand,
            after=after,
            reason=reason,
            source=item.source or source,
            order_id=None,
            now=now,
        )
        current[key] = after
    stock_changed(conn, {m.sku for m in items}, now=now)


class MovementsApplied(msgspec.Struct, frozen=True):
    applied: int


async def post_movements(
    db: Database,
    items: Sequence[MovementIn],
    *,
    actor: str,
    idempotency: tuple[str, str] | None = None,
) -> tuple[MovementsApplied, bool]:
    """Apply a batch of movements in one transaction: all of them, or none.

    ``idempotency`` is (scope, key): the same key with the same batch answers the first
    result again without applying anything (returns replayed True); with another batch it
    is a 422 naming the header. The record is written in the batch's own transaction.
    """
    if not items:
        raise Unprocessable("no movements", [FieldError("movements", "is empty")])
    digest = hashlib.sha256(msgspec.json.encode(list(items))).hexdigest()
    key = None if idempotency is None else (idempotency[0], f"stock-movements:{idempotency[1]}")

    def run(conn: Connection) -> tuple[MovementsApplied, bool]:
        if key is not None:
            found = idempotency_store.find(conn, [key]).get(key)
            if found is not None:
                if found.request_hash != digest:
                    raise Unprocessable(
                        f"Idempotency-Key {idempotency[1]!r} was already used with a different "
                        "batch; use a new key for a new batch",
                        [FieldError("Idempotency-Key", "already used with a different body")],
                    )
                return msgspec.json.decode(found.response, type=MovementsApplied), True
        _apply_batch(conn, items, actor)
        result = MovementsApplied(applied=len(items))
        if key is not None:
            idempotency_store.insert_many(
                conn,
                [
                    {
                        "scope": key[0],
                        "key": key[1],
                        "request_hash": digest,
                        "status_code": 201,
                        "response": msgspec.json.encode(result),
                        "created_at": utcnow(),
                    }
                ],
            )
        return result, False

    outcome = await db.run_write(run)
    if not outcome[1]:
        db.signal_jobs()  # the channels' figures are to be pushed
    return outcome


def reserve_orders(
    conn: Connection, order_ids: Sequence[str], *, policy_for: dict[str, Policy], now: datetime
) -> dict[str, list[Shortfall]]:
    """Reserve each order's lines, all or nothing per order, locations by priority.

    A line's SKU that is an alias reserves the SKU it names; a bundle reserves its
    components (shortfalls then name the component). Every SKU of the batch is
    locked first, in one sorted pass, so concurrent batches never deadlock. An order whose
    policy is ``backorder`` takes what there is and reports the rest.
    Returns each order's shortfalls (empty: fully reserved).
    """
    rows = conn.execute(
        select(order_lines.c.order_id, order_lines.c.sku, order_lines.c.quantity)
        .where(order_lines.c.order_id.in_(order_ids))
        .order_by(order_lines.c.order_id, order_lines.c.position)
    )
    lines = list(rows)
    aliases = catalog_store.alias_owners(conn, {r.sku for r in lines})  # alias -> real SKU
    bundles = catalog_store.components_of(conn, {aliases.get(r.sku, r.sku) for r in lines})
    wanted: dict[str, dict[str, int]] = defaultdict(dict)
    for r in lines:
        sku = aliases.get(r.sku, r.sku)
        for part, per in bundles.get(sku, {sku: 1}).items():
            wanted[r.order_id][part] = wanted[r.order_id].get(part, 0) + r.quantity * per
    locked = store.lock_levels(conn, {s for lines in wanted.values() for s in lines})
    current = {k: lvl for k, (_, lvl) in locked.items()}
    by_sku: dict[str, list[str]] = defaultdict(list)
    for (sku, loc), _ in sorted(locked.items(), key=lambda kv: (kv[1][0], kv[0])):
        by_sku[sku].append(loc)
    result: dict[str, list[Shortfall]] = {}
    moved: set[str] = set()
    for order_id in order_ids:
        plans: list[tuple[str, str, int]] = []
        short: list[Shortfall] = []
        for sku, qty in sorted(wanted.get(order_id, {}).items()):
            takes, left = plan_reservation(qty, [(loc, current[(sku, loc)]) for loc in by_sku[sku]])
            plans.extend((sku, loc, n) for loc, n in takes)
            if left:
                short.append(Shortfall(sku=sku, wanted=qty, short=left))
        result[order_id] = short
        if short and policy_for.get(order_id, "hold") == "hold":
            continue
        for sku, loc, n in plans:
            after = apply(MovementKind.RESERVATION, n, current[(sku, loc)])
            store.record(
                conn,
                sku=sku,
                location=loc,
                kind=MovementKind.RESERVATION,
                quantity=n,
                after=after,
                reason="order accepted",
                source="order",
                order_id=order_id,
                now=now,
            )
            current[(sku, loc)] = after
            moved.add(sku)
    stock_changed(conn, moved, now=now)
    return result


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


def _view(
    sku: str, found: list[tuple[str, Level, int]], channels: Sequence[ChannelConnection]
) -> StockView:
    rows = [LocationStock(loc, lvl.on_hand, lvl.reserved, lvl.available) for loc, lvl, _ in found]
    figures = [
        LocationFigures(loc, lvl.on_hand, lvl.reserved, safety) for loc, lvl, safety in found
    ]
    per_channel = []
    for channel in channels:
        rules = rules_from_settings(channel.settings)
        if serves(rules):
            per_channel.append(channel_ats(channel.code, figures, rules))
    return StockView(
        sku=sku,
        on_hand=sum(r.on_hand for r in rows),
        reserved=sum(r.reserved for r in rows),
        available=sum(r.available for r in rows),
        locations=rows,
        channels=per_channel,
    )


def _bundle_view(sku: str, parts: dict[str, int], views: dict[str, StockView]) -> StockView:
    """Whole bundles the components make: each figure is the least, over components, of
    the component's figure divided by how many one bundle takes. A bundle holds nothing."""
    first = views[next(iter(parts))]
    per_channel = []
    for i, channel in enumerate(first.channels):
        limit = min(parts, key=lambda c: views[c].channels[i].ats // parts[c])
        ats = views[limit].channels[i].ats // parts[limit]
        term = Term(f"{limit}: {views[limit].channels[i].ats} // {parts[limit]}", ats)
        per_channel.append(ChannelAts(channel.channel, ats, [term]))
    return StockView(
        sku=sku,
        on_hand=min(views[c].on_hand // q for c, q in parts.items()),
        reserved=0,
        available=min(views[c].available // q for c, q in parts.items()),
        locations=[],
        channels=per_channel,
        components=[ComponentStock(c, q, views[c].available) for c, q in parts.items()],
    )


async def get_stock(
    db: Database, sku: str, channels: Iterable[ChannelConnection] = ()
) -> StockView:
    """Levels per location, and each channel's available to sell with its terms.

    A channel is every connection given except one whose ``stock_locations`` is ``[]``.
    A bundle's figures are derived from its components' (see ``_bundle_view``).
    """
    serving = list(channels)
    async with db.read() as conn:
        parts = (await conn.run_sync(catalog_store.components_of, [sku])).get(sku)
        found = {}
        for name in parts or [sku]:
            found[name] = await conn.run_sync(store.levels_with_safety, name)
    if parts:
        views = {c: _view(c, found[c], serving) for c in parts}
        return _bundle_view(sku, parts, views)
    if not found[sku]:
        raise NotFound(f"no stock recorded for {sku!r}")
    return _view(sku, found[sku], serving)


async def add_location(db: Database, data: LocationIn) -> LocationIn:
    def run(conn: Connection) -> bool:
        values = msgspec.structs.asdict(data)
        if data.address is not None:
            values["address"] = msgspec.json.encode(data.address).decode()
        return store.add_location(conn, **values)

    if not await db.run_write(run):
        raise Conflict(f"location {data.code!r} exists", [FieldError("code", "taken")])
    return data


async def list_locations(db: Database) -> list[LocationIn]:
    async with db.read() as conn:
        rows = await conn.run_sync(store.list_locations)
    return [location_from_row(r) for r in rows]


def location_from_row(row: Any) -> LocationIn:
    return LocationIn(
        code=row.code,
        name=row.name,
        kind=row.kind,
        priority=row.priority,
        safety_stock=row.safety_stock,
        country=row.country,
        region=row.region,
        connection=row.connection,
        address=msgspec.json.decode(row.address, type=Address) if row.address else None,
    )
