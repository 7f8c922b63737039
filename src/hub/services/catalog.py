"""Catalog use cases: upsert SKUs with their listings and aliases, read them, resolve aliases.

A batch is one transaction: every SKU of it is stored, or none. Within a batch a SKU's
listings, aliases and components are replaced by the ones given, so a listing or an alias
may move from one SKU of the batch to another. A bundle's components are real SKUs that are
not bundles themselves (one level), so a bundle never contains itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import msgspec
from sqlalchemy import Connection

from hub.clock import utcnow
from hub.domain.bounds import INT32_MAX, Code, FreeText, OneLine
from hub.domain.order import FieldError
from hub.errors import Conflict, NotFound, Unprocessable
from hub.services.stock_sync import stock_changed
from hub.store import catalog as store
from hub.store.database import Database

Sku = Annotated[OneLine, msgspec.Meta(min_length=1, max_length=100)]
ListingId = Annotated[OneLine, msgspec.Meta(min_length=1, max_length=200)]
AttributeName = Annotated[OneLine, msgspec.Meta(min_length=1, max_length=100)]
AttributeScalar = Annotated[FreeText, msgspec.Meta(max_length=2000)] | int | float | bool | None
#: a value, a list of values, or one level of named values (e.g. dimensions)
AttributeValue = (
    AttributeScalar
    | list[AttributeScalar]
    | dict[AttributeName, AttributeScalar | list[AttributeScalar]]
)


class SkuIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One SKU as written: listings map a connection code to that partner's identifier."""

    sku: Sku
    name: Annotated[OneLine, msgspec.Meta(min_length=1, max_length=200)]
    attributes: Annotated[dict[AttributeName, AttributeValue], msgspec.Meta(max_length=200)] = {}
    listings: dict[Code, ListingId] = {}
    aliases: list[Sku] = []
    #: a bundle's component SKUs and how many of each one bundle consumes
    components: dict[Sku, Annotated[int, msgspec.Meta(ge=1, le=INT32_MAX)]] = {}


class SkuOut(msgspec.Struct, frozen=True):
    sku: str
    name: str
    attributes: dict[str, Any]
    listings: dict[str, str]
    aliases: list[str]
    components: dict[str, int] = {}


def _bad(i: int, field: str, reason: str) -> Unprocessable:
    name = f"skus[{i}].{field}"
    return Unprocessable(f"{name}: {reason}; nothing was stored", [FieldError(name, reason)])


def _check_batch(items: Sequence[SkuIn]) -> None:
    """Rules a batch breaks on its own: a SKU twice, an alias twice or naming a SKU."""
    names: dict[str, int] = {}
    for i, item in enumerate(items):
        if item.sku in names:
            raise _bad(i, "sku", f"also at skus[{names[item.sku]}]")
        names[item.sku] = i
    aliases: dict[str, int] = {}
    listings: dict[tuple[str, str], int] = {}
    for i, item in enumerate(items):
        for j, alias in enumerate(item.aliases):
            if alias in names:
                raise _bad(i, f"aliases[{j}]", f"{alias!r} is a SKU")
            if alias in aliases:
                raise _bad(i, f"aliases[{j}]", f"{alias!r} is given twice")
            aliases[alias] = i
        for connection, listing_id in item.listings.items():
            if (connection, listing_id) in listings:
                other = items[listings[(connection, listing_id)]].sku
                raise _listing_conflict(i, connection, listing_id, other)
            listings[(connection, listing_id)] = i


def _listing_conflict(i: int, connection: str, listing_id: str, owner: str) -> Conflict:
    field = f"skus[{i}].listings.{connection}"
    reason = f"listing {listing_id!r} on {connection!r} belongs to SKU {owner!r}"
    return Conflict(f"{field}: {reason}; nothing was stored", [FieldError(field, reason)])


def _alias_conflict(i: int, j: int, alias: str, owner: str) -> Conflict:
    field = f"skus[{i}].aliases[{j}]"
    reason = f"alias {alias!r} belongs to SKU {owner!r}"
    return Conflict(f"{field}: {reason}; nothing was stored", [FieldError(field, reason)])


def _upsert(conn: Connection, items: Sequence[SkuIn]) -> None:
    _check_batch(items)
    names = [item.sku for item in items]
    all_aliases = [a for item in items for a in item.aliases]
    real = store.existing_skus(conn, all_aliases)
    store.clear_links(conn, names)
    owners = store.alias_owners(conn, names + all_aliases)
    taken = store.listing_owners(conn, [(c, x) for item in items for c, x in item.listings.items()])
    for i, item in enumerate(items):
        if item.sku in owners:
            raise _bad(i, "sku", f"{item.sku!r} is an alias of {owners[item.sku]!r}")
        for j, alias in enumerate(item.aliases):
            if alias in real:
                raise _bad(i, f"aliases[{j}]", f"{alias!r} is a SKU")
            if alias in owners:
                raise _alias_conflict(i, j, alias, owners[alias])
        for connection, listing_id in item.listings.items():
            owner = taken.get((connection, listing_id))
            if owner is not None:
                raise _listing_conflict(i, connection, listing_id, owner)
    _check_components(conn, items, owners)
    existing = store.existing_skus(conn, names)
    now = utcnow()
    for item in items:
        store.upsert_sku(
            conn,
            sku=item.sku,
            name=item.name,
            attributes=msgspec.json.encode(item.attributes).decode(),
            exists=item.sku in existing,
            now=now,
        )
        store.add_links(
            conn, item.sku, dict(item.listings), list(item.aliases), dict(item.components)
        )
    stock_changed(conn, [item.sku for item in items], now=now)  # new listings get figures


def _check_components(conn: Connection, items: Sequence[SkuIn], owners: dict[str, str]) -> None:
    """Components are real SKUs (of the batch or stored), not bundles; bundles not components.

    Runs after the batch's own links were cleared, so what is stored is what others hold.
    """
    batch = {item.sku: item for item in items}
    parts = {c for item in items for c in item.components}
    stored = store.existing_skus(conn, parts)
    stored_bundles = store.components_of(conn, parts)
    used_by = store.bundles_using(conn, [i.sku for i in items if i.components])
    used_in_batch = {c: item.sku for item in items for c in item.components}
    for i, item in enumerate(items):
        if item.components and item.sku in used_by:
            bundle = used_by[item.sku]
            raise _bad(i, "components", f"{item.sku!r} is a component of bundle {bundle!r}")
        for component in item.components:
            field = f"components.{component}"
            if component == item.sku:
                raise _bad(i, field, "a bundle cannot contain itself")
            if component in owners:
                raise _bad(i, field, f"{component!r} is an alias of {owners[component]!r}")
            if component not in batch and component not in stored:
                raise _bad(i, field, f"no SKU {component!r}")
            own = batch[component].components if component in batch else None
            if own or (component not in batch and component in stored_bundles):
                raise _bad(i, field, f"{component!r} is a bundle")
        if item.components and item.sku in used_in_batch:
            bundle = used_in_batch[item.sku]
            raise _bad(i, "components", f"{item.sku!r} is a component of bundle {bundle!r}")


async def upsert_skus(db: Database, items: Sequence[SkuIn]) -> int:
    """Store a batch of SKUs in one transaction (all or none); returns how many."""
    if not items:
        raise Unprocessable("no SKUs", [FieldError("skus", "is empty")])
    await db.run_write(lambda conn: _upsert(conn, items))
    db.signal_jobs()
    return len(items)


def resolve_skus(conn: Connection, names: Sequence[str]) -> dict[str, str]:
    """Each name -> its real SKU: an alias gives the SKU it names, anything else itself."""
    aliases = store.alias_owners(conn, names)
    return {n: aliases.get(n, n) for n in names}


def _out(
    row: Any, listings: dict[str, str], aliases: list[str], components: dict[str, int]
) -> SkuOut:
    return SkuOut(
        sku=row.sku,
        name=row.name,
        attributes=msgspec.json.decode(row.attributes),
        listings=listings,
        aliases=aliases,
        components=components,
    )


async def get_sku(db: Database, sku_or_alias: str) -> SkuOut:
    """The SKU, found by its own name or by one of its aliases."""

    def run(conn: Connection) -> SkuOut | None:
        real = resolve_skus(conn, [sku_or_alias])[sku_or_alias]
        found = store.get_sku(conn, real)
        return None if found is None else _out(*found)

    async with db.read() as conn:
        found = await conn.run_sync(run)
    if found is None:
        raise NotFound(f"no SKU {sku_or_alias!r}")
    return found


async def list_skus(db: Database, *, after: str | None = None, limit: int = 100) -> list[SkuOut]:
    """Up to ``limit`` SKUs in SKU order, after the SKU ``after``."""
    async with db.read() as conn:
        rows = await conn.run_sync(store.list_skus, after, limit)
    return [_out(*r) for r in rows]
