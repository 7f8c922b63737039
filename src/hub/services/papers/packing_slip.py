"""``GET /fulfilments/{id}/packing-slip.pdf``: the paper that goes in the parcel."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from hub.clock import utcnow
from hub.domain.fulfilment import FulfilmentStatus
from hub.domain.papers import PackingSlip, packing_slip
from hub.errors import Conflict, NotFound
from hub.services.papers.gather import (
    location_address,
    location_row,
    paper_fulfilment,
    read_lines,
)
from hub.store import fulfilment as fulfilment_store
from hub.store import orders as order_store
from hub.store.database import Database


def _slip(conn: Connection, fulfilment_id: str, channels: Any, now: datetime) -> PackingSlip:
    f = fulfilment_store.visible(conn, fulfilment_id, channels)
    if f is None:
        raise NotFound(f"no fulfilment {fulfilment_id}")
    if f.status == FulfilmentStatus.CANCELLED:
        raise Conflict(f"fulfilment {fulfilment_id} is cancelled: nothing to pack")
    order = order_store.load(conn, f.order_id)
    paper = paper_fulfilment(f, read_lines(conn, [f.id])[f.id], order)
    place = location_row(conn, f.location)
    sender = location_address(place)
    name = (sender.company or sender.name) if sender else None
    return packing_slip(
        paper, created_at=now, sender_name=name or place.name, sender_address=sender
    )


async def packing_slip_pdf(
    db: Database,
    fulfilment_id: str,
    *,
    channels: Collection[str] | None = None,
    now: datetime | None = None,
) -> bytes:
    """The packing slip of one fulfilment as PDF: ship-to, every line with its quantity
    (prices unless the order is tagged ``gift``), the order's public tracking reference as
    text and QR code, and a returns note; the location's address (its company or name,
    else the location's name) is the sender. NotFound when the
    fulfilment is not there for the key, Conflict when it is cancelled."""
    at = now or utcnow()
    async with db.read() as conn:
        slip = await conn.run_sync(lambda c: _slip(c, fulfilment_id, channels, at))
    from hub.render import render_packing_slip  # the PDF stack, loaded on first use

    return await asyncio.to_thread(render_packing_slip, slip)
