"""An order's lines as the stock they take: aliases resolved, bundles as their components."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Connection

from hub.domain.order import Line, Order
from hub.domain.routing import RouteLine
from hub.store import catalog as catalog_store


def stock_lines(conn: Connection, order: Order) -> tuple[list[RouteLine], dict[str, Line]]:
    """The units per stock SKU (the first order line's id kept), and each stock SKU's order
    line (for names and channel line ids)."""
    aliases = catalog_store.alias_owners(conn, {ln.sku for ln in order.lines})
    bundles = catalog_store.components_of(conn, {aliases.get(ln.sku, ln.sku) for ln in order.lines})
    wanted: dict[str, int] = defaultdict(int)
    source: dict[str, Line] = {}
    for ln in order.lines:
        sku = aliases.get(ln.sku, ln.sku)
        for part, per in bundles.get(sku, {sku: 1}).items():
            wanted[part] += ln.quantity * per
            source.setdefault(part, ln)
    lines = [RouteLine(sku, qty, source[sku].line_id) for sku, qty in wanted.items()]
    return lines, source
