"""What the papers need of a stored fulfilment, its order and its location."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from hub.domain.order import Address, Order
from hub.domain.papers import PaperFulfilment, PaperLine
from hub.errors import NotFound
from hub.store import fulfilment as fulfilment_store
from hub.store import stock as stock_store
from hub.store.kept import decode_kept


def location_row(conn: Connection, code: str) -> Any:
    """The location ``code``; NotFound when there is none."""
    row = stock_store.location(conn, code)
    if row is None:
        raise NotFound(f"no location {code!r}")
    return row


def location_address(row: Any) -> Address | None:
    return decode_kept(row.address, Address) if row.address else None


def _unit_prices(order: Order) -> tuple[dict[str, int], dict[str, int]]:
    """The order's unit prices by channel line id and by SKU (the first line of each)."""
    by_line: dict[str, int] = {}
    by_sku: dict[str, int] = {}
    for line in order.lines:
        if line.line_id is not None:
            by_line.setdefault(line.line_id, line.unit_price)
        by_sku.setdefault(line.sku, line.unit_price)
    return by_line, by_sku


def paper_fulfilment(
    f: Any, lines: list[Any], order: Order, *, remaining: bool = False
) -> PaperFulfilment:
    """``f`` with its ``lines`` (stored rows) as the papers read it; ``remaining``: each
    line's units still to ship (lines with none left out), else every unit."""
    by_line, by_sku = _unit_prices(order)
    paper_lines = []
    for line in lines:
        quantity = line.quantity - line.shipped if remaining else line.quantity
        if quantity <= 0:
            continue
        price = by_line.get(line.line_id or "", by_sku.get(line.sku, 0))
        paper_lines.append(
            PaperLine(sku=line.sku, name=line.name, quantity=quantity, unit_price=price)
        )
    return PaperFulfilment(
        id=f.id,
        order_number=order.number,
        public_ref=order.public_ref,
        ship_to=order.shipping_address,
        recipient=order.customer.name,
        lines=paper_lines,
        currency=order.currency,
        tags=list(order.tags),
        carrier=f.carrier,
        service=f.service,
    )


def read_lines(conn: Connection, fulfilment_ids: list[str]) -> dict[str, list[Any]]:
    return fulfilment_store.lines_of(conn, fulfilment_ids)


__all__ = ["location_address", "location_row", "paper_fulfilment", "read_lines"]
