"""Keyset paging and "any of" filters, the same way for every list the hub serves.

A page is the rows after a key (the sort columns' values of the last row seen), in the
order of those columns, all ascending or all descending. Ties cannot skip or repeat a row
because the last sort column is unique (an id or a primary key). Callers ask for one row
more than a page: whether it came back says whether there is a next page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, tuple_

S = TypeVar("S", bound=Select[Any])


def keyset(
    query: S,
    columns: Sequence[ColumnElement[Any]],
    after: Sequence[Any] | None,
    *,
    limit: int,
    descending: bool = False,
) -> S:
    """``query`` ordered by ``columns``, from just after ``after``, at most ``limit`` rows.

    The row comparison ``(a, b) > (x, y)`` walks a composite index on ``(a, b)`` on both
    PostgreSQL and SQLite, forwards or backwards."""
    if after is not None:
        if len(after) != len(columns):
            raise ValueError(f"a key of {len(columns)} values was expected, got {len(after)}")
        key = tuple_(*columns) if len(columns) > 1 else columns[0]
        value = tuple_(*after) if len(columns) > 1 else after[0]
        query = query.where(key < value if descending else key > value)
    order = [c.desc() for c in columns] if descending else list(columns)
    return query.order_by(*order).limit(limit)


def any_of(
    column: ColumnElement[Any], values: str | Sequence[Any] | None
) -> ColumnElement[bool] | None:
    """``column`` equals one of ``values`` (one value may be given as itself); None: no filter.

    An empty list matches nothing (a key that may read no channel sees no order)."""
    if values is None:
        return None
    if isinstance(values, str):
        return column == values
    unique = sorted(set(values))
    if len(unique) == 1:
        return column == unique[0]
    return column.in_(unique)


def where_all(query: S, *conditions: ColumnElement[bool] | None) -> S:
    """``query`` with every condition that is not None."""
    for condition in conditions:
        if condition is not None:
            query = query.where(condition)
    return query
