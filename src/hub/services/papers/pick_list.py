"""``GET /locations/{code}/pick-list.pdf`` and ``hub pick-list``: what to take from the
shelves of one location for its open fulfilments, in the order of the bins."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from hub.clock import utcnow
from hub.domain.fulfilment import STILL_OPEN
from hub.domain.order import FieldError
from hub.domain.papers import PaperFulfilment, pick_list
from hub.errors import NotFound, Unprocessable
from hub.services.papers.gather import location_row, paper_fulfilment, read_lines
from hub.store import fulfilment as fulfilment_store
from hub.store import orders as order_store
from hub.store import stock as stock_store
from hub.store.database import Database

#: the most fulfilments one pick list covers (a picker's round, not the whole backlog)
MAX_FULFILMENTS = 100


def _bad(field: str, reason: str) -> Unprocessable:
    return Unprocessable(f"{field}: {reason}", [FieldError(field, reason)])


def _chosen(
    conn: Connection, location: str, ids: Sequence[str], channels: Collection[str] | None
) -> list[Any]:
    """The fulfilments ``ids`` (repeats once); each must exist for the key (else 404), be
    of ``location`` and still open (else 422 naming ``fulfilment[i]``)."""
    if len(ids) > MAX_FULFILMENTS:
        raise _bad("fulfilment", f"at most {MAX_FULFILMENTS} fulfilments per pick list")
    found: dict[str, Any] = {}
    for i, fid in enumerate(ids):
        if fid in found:
            continue
        f = fulfilment_store.visible(conn, fid, channels)
        if f is None:
            raise NotFound(f"no fulfilment {fid}")
        if f.location != location:
            raise _bad(f"fulfilment[{i}]", f"is of location {f.location!r}, not {location!r}")
        if f.status not in STILL_OPEN:
            raise _bad(f"fulfilment[{i}]", f"is {f.status}: nothing left to pick")
        found[fid] = f
    return list(found.values())


def _released(
    conn: Connection, location: str, before: datetime, channels: Collection[str] | None
) -> list[Any]:
    found = fulfilment_store.open_released_before(
        conn, location, before, channels, MAX_FULFILMENTS + 1
    )
    if len(found) > MAX_FULFILMENTS:
        raise _bad(
            "released_before",
            f"more than {MAX_FULFILMENTS} open fulfilments were released before it; "
            "choose an earlier time or name the fulfilments",
        )
    return found


def _gather(
    conn: Connection,
    location: str,
    ids: Sequence[str],
    released_before: datetime | None,
    channels: Collection[str] | None,
    now: datetime,
) -> tuple[list[PaperFulfilment], dict[str, str]]:
    location_row(conn, location)
    if ids:
        rows = _chosen(conn, location, ids, channels)
    else:
        rows = _released(conn, location, released_before or now, channels)
    lines = read_lines(conn, [f.id for f in rows])
    papers = [
        paper_fulfilment(f, lines[f.id], order_store.load(conn, f.order_id), remaining=True)
        for f in rows
    ]
    skus = {line.sku for p in papers for line in p.lines}
    return papers, stock_store.bins_at(conn, location, skus)


async def pick_list_pdf(
    db: Database,
    location: str,
    *,
    fulfilment_ids: Sequence[str] = (),
    released_before: datetime | None = None,
    channels: Collection[str] | None = None,
    now: datetime | None = None,
) -> bytes:
    """The pick list of ``location`` as PDF: the fulfilments named, or else every open one
    released before ``released_before`` (default: now). Units already shipped are left
    out. ``channels``: the key reaches only those channels' fulfilments (None: all)."""
    if fulfilment_ids and released_before is not None:
        raise _bad("released_before", "name the fulfilments or give released_before, not both")
    at = now or utcnow()
    async with db.read() as conn:
        papers, bins = await conn.run_sync(
            lambda c: _gather(c, location, fulfilment_ids, released_before, channels, at)
        )
    content = pick_list(location, papers, bins, created_at=at)
    from hub.render import render_pick_list  # the PDF stack, loaded on first use

    return await asyncio.to_thread(render_pick_list, content)
