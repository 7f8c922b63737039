"""Stock movements posted by people and systems: receipts, adjustments and counts, applied
as one batch in one transaction (all or none), optionally under an idempotency key."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Annotated, Literal

import msgspec
from sqlalchemy import Connection

from hub.clock import utcnow
from hub.domain.bounds import FreeText, Int32, OneLine
from hub.domain.order import FieldError
from hub.domain.stock import Level, MovementKind, StockRefused, delta
from hub.errors import Unprocessable
from hub.services.stock_sync import stock_changed
from hub.store import idempotency as idempotency_store
from hub.store import stock as store
from hub.store.database import Database

Sku = Annotated[OneLine, msgspec.Meta(min_length=1, max_length=100)]
Bin = Annotated[OneLine, msgspec.Meta(max_length=64)]


class MovementIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One posted movement. For ``count`` the quantity is the absolute figure counted, and
    ``bin`` (a count only) where the SKU was found: set as its bin there (``""`` clears it)."""

    kind: Literal["receipt", "adjustment", "count"]
    sku: Sku
    location: Annotated[OneLine, msgspec.Meta(min_length=1, max_length=64)]
    quantity: Int32
    reason: Annotated[FreeText, msgspec.Meta(min_length=1, max_length=500)]
    source: Annotated[OneLine, msgspec.Meta(max_length=200)] | None = None
    bin: Bin | None = None


class MovementsApplied(msgspec.Struct, frozen=True):
    """The answer to a batch (kept with its idempotency key, so a replay answers the same)."""

    applied: int


def _check_items(conn: Connection, items: Sequence[MovementIn]) -> None:
    """Unprocessable naming the first unknown location, or a bin on what is not a count."""
    known = store.location_codes(conn)
    for i, item in enumerate(items):
        if item.location not in known:
            raise Unprocessable(
                f"movements[{i}]: no location {item.location!r}",
                [FieldError(f"movements[{i}].location", "unknown location")],
            )
        if item.bin is not None and item.kind != "count":
            raise Unprocessable(
                f"movements[{i}]: a bin is set by a count, not a {item.kind}",
                [FieldError(f"movements[{i}].bin", "only on a count")],
            )


def apply_batch(conn: Connection, items: Sequence[MovementIn], source: str) -> None:
    """Apply ``items`` inside the caller's transaction; ``Unprocessable`` (nothing applied)
    when a location is unknown or a movement would break a level."""
    _check_items(conn, items)
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
    bins = {(m.sku, m.location): m.bin.strip() or None for m in items if m.bin is not None}
    if bins:
        store.set_bins(conn, bins)
    stock_changed(conn, {m.sku for m in items}, now=now)


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
        apply_batch(conn, items, actor)
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
