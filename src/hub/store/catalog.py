"""SKUs, their listing identifiers and their aliases (synchronous: run in run_write)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from hub.store.paging import keyset
from hub.store.tables import bundle_components, sku_aliases, sku_listings, skus


def existing_skus(conn: Connection, wanted: Iterable[str]) -> set[str]:
    names = sorted(set(wanted))
    if not names:
        return set()
    return set(conn.execute(select(skus.c.sku).where(skus.c.sku.in_(names))).scalars())


def alias_owners(conn: Connection, aliases: Iterable[str]) -> dict[str, str]:
    """alias -> the SKU it names, for those of ``aliases`` that exist."""
    names = sorted(set(aliases))
    if not names:
        return {}
    rows = conn.execute(select(sku_aliases).where(sku_aliases.c.alias.in_(names)))
    return {r.alias: r.sku for r in rows}


def aliases_of(conn: Connection, names: Iterable[str]) -> set[str]:
    """Every alias that names one of ``names``."""
    wanted = sorted(set(names))
    out: set[str] = set()
    for start in range(0, len(wanted), 1000):
        rows = conn.execute(
            select(sku_aliases.c.alias).where(sku_aliases.c.sku.in_(wanted[start : start + 1000]))
        )
        out.update(rows.scalars())
    return out


def listing_owners(conn: Connection, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """(connection, listing_id) -> the SKU holding it, for those of ``keys`` that exist."""
    wanted = set(keys)
    connections = sorted({c for c, _ in wanted})
    if not connections:
        return {}
    rows = conn.execute(select(sku_listings).where(sku_listings.c.connection.in_(connections)))
    return {
        (r.connection, r.listing_id): r.sku for r in rows if (r.connection, r.listing_id) in wanted
    }


def upsert_sku(
    conn: Connection, *, sku: str, name: str, attributes: str, exists: bool, now: datetime
) -> None:
    if exists:
        conn.execute(
            update(skus)
            .where(skus.c.sku == sku)
            .values(name=name, attributes=attributes, updated_at=now)
        )
    else:
        conn.execute(
            insert(skus).values(
                sku=sku, name=name, attributes=attributes, created_at=now, updated_at=now
            )
        )


def add_links(
    conn: Connection,
    sku: str,
    listings: dict[str, str],
    aliases: list[str],
    components: dict[str, int],
) -> None:
    """Insert the SKU's listings (connection -> listing id), aliases and bundle components."""
    if components:
        conn.execute(
            insert(bundle_components),
            [
                {"bundle_sku": sku, "component_sku": c, "quantity": q}
                for c, q in sorted(components.items())
            ],
        )
    if listings:
        conn.execute(
            insert(sku_listings),
            [{"sku": sku, "connection": c, "listing_id": x} for c, x in sorted(listings.items())],
        )
    if aliases:
        conn.execute(insert(sku_aliases), [{"alias": a, "sku": sku} for a in sorted(aliases)])


def clear_links(conn: Connection, names: Iterable[str]) -> None:
    """Drop the listings, aliases and components of ``names`` (a batch sets them again)."""
    wanted = sorted(set(names))
    if wanted:
        conn.execute(delete(bundle_components).where(bundle_components.c.bundle_sku.in_(wanted)))
        conn.execute(delete(sku_listings).where(sku_listings.c.sku.in_(wanted)))
        conn.execute(delete(sku_aliases).where(sku_aliases.c.sku.in_(wanted)))


def components_of(conn: Connection, names: Iterable[str]) -> dict[str, dict[str, int]]:
    """bundle -> {component: quantity}, for those of ``names`` that are bundles."""
    wanted = sorted(set(names))
    out: dict[str, dict[str, int]] = {}
    if not wanted:
        return out
    rows = conn.execute(
        select(bundle_components)
        .where(bundle_components.c.bundle_sku.in_(wanted))
        .order_by(bundle_components.c.bundle_sku, bundle_components.c.component_sku)
    )
    for r in rows:
        out.setdefault(r.bundle_sku, {})[r.component_sku] = r.quantity
    return out


def bundles_using(conn: Connection, names: Iterable[str]) -> dict[str, str]:
    """component -> a bundle that consumes it, for those of ``names`` that are components."""
    wanted = sorted(set(names))
    if not wanted:
        return {}
    rows = conn.execute(
        select(bundle_components.c.component_sku, func.min(bundle_components.c.bundle_sku))
        .where(bundle_components.c.component_sku.in_(wanted))
        .group_by(bundle_components.c.component_sku)
    )
    return {r[0]: r[1] for r in rows}


def bundles_containing(conn: Connection, names: Iterable[str]) -> set[str]:
    """Every bundle that consumes any of ``names``."""
    wanted = sorted(set(names))
    out: set[str] = set()
    for start in range(0, len(wanted), 1000):
        rows = conn.execute(
            select(bundle_components.c.bundle_sku)
            .where(bundle_components.c.component_sku.in_(wanted[start : start + 1000]))
            .distinct()
        )
        out.update(rows.scalars())
    return out


def all_bundles(conn: Connection) -> set[str]:
    return set(conn.execute(select(bundle_components.c.bundle_sku).distinct()).scalars())


Extras = tuple[dict[str, str], list[str], dict[str, int]]


def get_sku(
    conn: Connection, sku: str
) -> tuple[Any, dict[str, str], list[str], dict[str, int]] | None:
    row = conn.execute(select(skus).where(skus.c.sku == sku)).first()
    if row is None:
        return None
    return row, *_extras(conn, [sku])[sku]


def _extras(conn: Connection, names: list[str]) -> dict[str, Extras]:
    out: dict[str, Extras] = {n: ({}, [], {}) for n in names}
    if not names:
        return out
    for r in conn.execute(
        select(sku_listings)
        .where(sku_listings.c.sku.in_(names))
        .order_by(sku_listings.c.connection)
    ):
        out[r.sku][0][r.connection] = r.listing_id
    for r in conn.execute(
        select(sku_aliases).where(sku_aliases.c.sku.in_(names)).order_by(sku_aliases.c.alias)
    ):
        out[r.sku][1].append(r.alias)
    for bundle, parts in components_of(conn, names).items():
        out[bundle][2].update(parts)
    return out


def list_skus(
    conn: Connection, after: str | None, limit: int
) -> list[tuple[Any, dict[str, str], list[str], dict[str, int]]]:
    """A page of SKUs in SKU order, after ``after``."""
    key = None if after is None else [after]
    rows = list(conn.execute(keyset(select(skus), [skus.c.sku], key, limit=limit)))
    extras = _extras(conn, [r.sku for r in rows])
    return [(r, *extras[r.sku]) for r in rows]


def resolve(conn: Connection, names: Iterable[str]) -> dict[str, str]:
    """Each of ``names`` that is an alias -> its real SKU (others are left out)."""
    return alias_owners(conn, names)
