"""Helpers for the demand, forecast and replenishment tests: orders with given lines, the
demand cells as plain tuples, and a worker pass."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from litestar.testing import AsyncTestClient

from hub.bootstrap import build_registry
from hub.config import Settings
from hub.services.demand.history_csv import HistoryRow, import_history
from hub.store import demand as demand_store
from hub.store.database import Database
from hub.worker import Worker

PRICE = 1000


def order_body(
    external_id: str, lines: dict[str, int], placed_at: str = "2025-03-14T12:00:00Z", **extra: Any
) -> dict[str, Any]:
    """A valid order of ``lines`` (SKU -> quantity) at 10.00 EUR a unit, no tax or shipping."""
    subtotal = PRICE * sum(lines.values())
    return {
        "external_id": external_id,
        "placed_at": placed_at,
        "currency": "EUR",
        "customer": {"name": "Ada Lovelace", "email": "ada@example.com"},
        "shipping_address": {
            "line1": "1 Analytical Way",
            "city": "London",
            "postal_code": "N1 9GU",
            "country": "GB",
        },
        "lines": [
            {"line_id": str(i), "sku": sku, "name": sku, "quantity": q, "unit_price": PRICE}
            for i, (sku, q) in enumerate(lines.items(), 1)
        ],
        "shipping": {"method": "Standard", "price": 0},
        "totals": {
            "subtotal": subtotal,
            "discount": 0,
            "shipping": 0,
            "tax": 0,
            "tax_included": False,
            "total": subtotal,
        },
        "payment": {"status": "paid"},
        **extra,
    }


async def place(
    client: AsyncTestClient,
    auth: dict[str, str],
    external_id: str,
    lines: dict[str, int],
    **kw: Any,
) -> str:
    r = await client.post("/orders", json=order_body(external_id, lines, **kw), headers=auth)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def work(db: Database, settings: Settings) -> None:
    """Run the worker until it finds nothing to do (accept, route, fan-out ...)."""
    worker = Worker(db, build_registry(settings), settings)
    for _ in range(10):
        if not await worker.run_once():
            return


Key = tuple[str, str, date, str, str]


async def cells(db: Database, source: str | None = "orders") -> dict[Key, int]:
    """(sku, channel, day, location, kind) -> units, of ``source`` (None: every source)."""
    async with db.read() as conn:
        found = await conn.run_sync(demand_store.cells)
    return {tuple(c): n for (c, src), n in found.items() if source in (None, src)}  # type: ignore[misc]


async def receive(
    client: AsyncTestClient, auth: dict[str, str], *moves: tuple[str, str, int]
) -> None:
    body = {
        "movements": [
            {"kind": "receipt", "sku": s, "location": loc, "quantity": n, "reason": "test"}
            for s, loc, n in moves
        ]
    }
    r = await client.post("/stock/movements", json=body, headers=auth)
    assert r.status_code == 201, r.text


def history_rows(
    sku: str, channel: str, start: date, units: Iterable[float], location: str = ""
) -> list[HistoryRow]:
    """Import rows for a daily series (zero days left out, as a file would)."""
    return [
        HistoryRow(i + 2, start + timedelta(days=i), sku, channel, int(n), location, "sold")
        for i, n in enumerate(units)
        if n
    ]


async def load_history(db: Database, rows: list[HistoryRow]) -> None:
    done = await import_history(db, rows)
    assert not done.failures
