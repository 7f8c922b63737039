"""Finding orders: the filtered, sorted, keyset-paged list, and lookups by number and by
the channel's id.

Every filter has an index (migration 0014): ``channel`` and ``status`` with the placed
time, ``external_id``, ``number`` (unique), the line SKUs (``order_lines.sku``), the
placed and updated times (each with ``id``, the sort keys), and on PostgreSQL a trigram
index on ``search`` for ``q``. ``search`` holds the texts ``q`` looks in, lower-cased; the
store writes it with the order (``search_text``). On SQLite ``q`` first finds the orders in
``orders_search``, an FTS5 trigram index over ``search`` that triggers keep (migration
0028), then checks ``search`` itself (the same LIKE on both databases); a text found in more
than ``COMMON`` orders is looked for along the sort's index instead (a page of them comes
within the first few thousand orders).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, any_, column, func, select, table
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.domain.order import Order, OrderData
from hub.store.orders import to_order
from hub.store.paging import any_of, keyset, where_all
from hub.store.tables import order_lines, orders


class OrderSort(StrEnum):
    """The orders' sort orders; ``-`` is newest first."""

    PLACED_DESC = "-placed_at"
    PLACED = "placed_at"
    UPDATED_DESC = "-updated_at"
    UPDATED = "updated_at"

    @property
    def columns(self) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
        """The sort key: the time, then the id (unique, so ties keep one order)."""
        time = orders.c.updated_at if "updated" in self.value else orders.c.placed_at
        return time, orders.c.id

    @property
    def descending(self) -> bool:
        return self.value.startswith("-")

    def key(self, order: Order) -> tuple[datetime, str]:
        """The sort key of an order as read: where the next page starts."""
        time = order.updated_at if "updated" in self.value else order.placed_at
        assert time is not None
        return time, order.id


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderFilter:
    """What ``GET /orders`` filters by. A list means any of its values; None: no filter.
    ``placed_since`` and ``updated_since`` are inclusive, ``placed_until`` exclusive."""

    channels: Sequence[str] | None = None
    statuses: Sequence[str] | None = None
    external_ids: Sequence[str] | None = None
    numbers: Sequence[str] | None = None
    skus: Sequence[str] | None = None
    placed_since: datetime | None = None
    placed_until: datetime | None = None
    updated_since: datetime | None = None
    q: str | None = None


def search_text(number: str, data: OrderData) -> str:
    """What ``q`` searches: the number, the channel's id and number, the buyer's name and
    email and the ship-to name, lower-cased, one per line."""
    parts = [number, data.external_id, data.external_number, data.customer.name]
    parts += [data.customer.email, data.shipping_address.name if data.shipping_address else None]
    return "\n".join(p.lower() for p in parts if p)


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


#: SQLite's FTS5 trigram index over ``orders.search`` (no metadata: a virtual table)
orders_search = table("orders_search", column("order_id"), column("search"))


#: SQLite: a ``q`` found in more orders than this is not looked up in ``orders_search``
COMMON = 1000


def _hits(q: str) -> Select[Any]:
    phrase = '"' + q.lower().replace('"', '""') + '"'  # trigram MATCH: every 3-letter run
    return select(orders_search.c.order_id).where(orders_search.c.search.match(phrase))


def _searched(q: str, fts: bool) -> ColumnElement[bool]:
    found = orders.c.search.like(_like(q), escape="\\")
    # PostgreSQL: the trigram index serves the LIKE itself
    return orders.c.id.in_(_hits(q)) & found if fts else found


async def use_fts(conn: AsyncConnection, q: str | None) -> bool:
    """SQLite: whether ``q`` is best found through ``orders_search`` (few orders have it)."""
    if not q or conn.dialect.name != "sqlite":
        return False
    some = _hits(q).limit(COMMON + 1).subquery()
    return int(await conn.scalar(select(func.count()).select_from(some)) or 0) <= COMMON


async def few_by_sku(conn: AsyncConnection, skus: Sequence[str] | None) -> bool:
    """PostgreSQL: whether at most ``COMMON`` order lines have ``skus`` (then the orders are
    fetched by id and sorted, rather than walked along the sort's index until a page)."""
    if not skus or conn.dialect.name != "postgresql":
        return False
    some = select(order_lines.c.order_id).where(any_of(order_lines.c.sku, skus))
    some = some.limit(COMMON + 1).subquery()
    return int(await conn.scalar(select(func.count()).select_from(some)) or 0) <= COMMON


def conditions(
    f: OrderFilter, fts: bool = False, sku_first: bool = False
) -> list[ColumnElement[bool] | None]:
    c = orders.c
    by_sku = None
    if f.skus is not None:
        lines = select(order_lines.c.order_id).where(any_of(order_lines.c.sku, f.skus))
        # ``= ANY(ARRAY(...))``: PostgreSQL runs the subquery first (few orders have them)
        by_sku = c.id == any_(func.array(lines.scalar_subquery())) if sku_first else c.id.in_(lines)
    return [
        any_of(c.channel, f.channels),
        any_of(c.status, f.statuses),
        any_of(c.external_id, f.external_ids),
        any_of(c.number, f.numbers),
        by_sku,
        c.placed_at >= f.placed_since if f.placed_since else None,
        c.placed_at < f.placed_until if f.placed_until else None,
        c.updated_at >= f.updated_since if f.updated_since else None,
        _searched(f.q, fts) if f.q else None,
    ]


def page_query(
    f: OrderFilter,
    sort: OrderSort,
    after: Sequence[Any] | None,
    limit: int,
    fts: bool = False,
    sku_first: bool = False,
) -> Select[Any]:
    """The statement ``list_page`` runs (the index test explains it); ``fts``: find ``q``
    through SQLite's ``orders_search``; ``sku_first``: take the orders of the SKUs first."""
    query = where_all(select(orders), *conditions(f, fts, sku_first))
    return keyset(query, sort.columns, after, limit=limit, descending=sort.descending)


async def list_page(
    conn: AsyncConnection,
    f: OrderFilter,
    *,
    sort: OrderSort,
    after: Sequence[Any] | None,
    limit: int,
) -> list[Order]:
    fts, sku_first = await use_fts(conn, f.q), await few_by_sku(conn, f.skus)
    query = page_query(f, sort, after, limit, fts, sku_first)
    return [to_order(r) for r in await conn.execute(query)]


async def id_by_number(conn: AsyncConnection, number: str) -> str | None:
    return (await conn.execute(select(orders.c.id).where(orders.c.number == number))).scalar()


async def id_by_external(conn: AsyncConnection, channel: str, external_id: str) -> str | None:
    query = select(orders.c.id).where(
        orders.c.channel == channel, orders.c.external_id == external_id
    )
    return (await conn.execute(query)).scalar()
