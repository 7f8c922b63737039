"""Lists other than orders walk every row once, in their order, with "any of" filters:
``/stock/drift``, ``/stock/sync``, ``/inbound`` and ``/fulfilments``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import insert

from hub.store.database import Database
from hub.store.tables import fulfilments, inbound_messages, stock_drift, stock_sync
from tests.conftest import PAYLOADS

T0 = datetime(2025, 3, 1, tzinfo=UTC)
SPREAD = [
    ("own", "open"),
    ("own", "accepted"),
    ("tpl", "open"),
    ("own", "shipped"),
    ("own", "partially_shipped"),
    ("own", "cancelled"),
]


async def walk(client: AsyncTestClient, auth: dict[str, str], path: str, **params: Any) -> list:
    """Every item of a list, two at a time."""
    items: list[Any] = []
    cursor = None
    for _ in range(20):
        asked = {"limit": 2, **params} | ({"cursor": cursor} if cursor else {})
        r = await client.get(path, params=asked, headers=auth)
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("the list never ended")


async def test_stock_drift_and_sync_pages(
    client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    drift = [
        {"at": T0 + timedelta(minutes=i), "connection": c, "sku": f"S{i}", "hub_quantity": i}
        | {"channel_quantity": 0}
        for i, c in enumerate(["a", "b", "a", "c", "a"])
    ]
    sync = [
        {"connection": c, "sku": s, "pending": s != "S2", "force": False, "version": 1}
        | {"changed_at": T0, "attempts": 0, "last_error": "boom" if s == "S3" else None}
        for c in ("a", "b")
        for s in ("S1", "S2", "S3")
    ]
    async with db.write() as conn:
        await conn.execute(insert(stock_drift), drift)
        await conn.execute(insert(stock_sync), sync)
    found = await walk(client, auth, "/stock/drift")
    assert [d["sku"] for d in found] == ["S4", "S3", "S2", "S1", "S0"]  # newest first
    found = await walk(client, auth, "/stock/drift", connection=["a", "c"])
    assert [d["sku"] for d in found] == ["S4", "S3", "S2", "S0"]
    rows = await walk(client, auth, "/stock/sync")
    assert [(r["connection"], r["sku"]) for r in rows] == [(c, s) for c, _, s in _pairs()]
    errors = await walk(client, auth, "/stock/sync", state="error", connection="b")
    assert [(r["connection"], r["sku"]) for r in errors] == [("b", "S3")]
    either = await walk(client, auth, "/stock/sync", state=["error", "pending"], sku="S3")
    assert len(either) == 2
    pending = await walk(client, auth, "/stock/sync", state="pending")
    assert {r["sku"] for r in pending} == {"S1", "S3"}


def _pairs() -> list[tuple[str, int, str]]:
    return [(c, i, s) for c in ("a", "b") for i, s in enumerate(("S1", "S2", "S3"))]


async def test_inbound_pages(client: AsyncTestClient, auth: dict[str, str], db: Database) -> None:
    rows = [
        {"id": f"01J{i:023d}", "connection": c, "source": "webhook", "dedupe_key": f"d{i}"}
        | {"received_at": T0, "updated_at": T0, "status": st, "headers": "{}", "body": b"{}"}
        for i, (c, st) in enumerate(
            [("a", "processed"), ("b", "quarantined"), ("a", "quarantined"), ("a", "received")]
        )
    ]
    async with db.write() as conn:
        await conn.execute(insert(inbound_messages), rows)
    assert [m["id"] for m in await walk(client, auth, "/inbound")] == [r["id"] for r in rows]
    found = await walk(client, auth, "/inbound", status=["quarantined", "received"], connection="a")
    assert [m["dedupe_key"] for m in found] == ["d2", "d3"]


async def test_fulfilments_page_with_open_as_a_status(
    client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    body = json.loads((PAYLOADS / "order_minimal.json").read_text())
    order_id = (await client.post("/orders", json=body, headers=auth)).json()["id"]
    made = [
        {"id": f"F{i}", "order_id": order_id, "location": loc, "status": st}
        | {"created_at": T0 + timedelta(seconds=i // 2), "updated_at": T0}
        for i, (loc, st) in enumerate(SPREAD)
    ]
    async with db.write() as conn:
        await conn.execute(insert(fulfilments), made)
    assert [f["id"] for f in await walk(client, auth, "/fulfilments")] == [m["id"] for m in made]
    work = await walk(client, auth, "/fulfilments", location="own", status="open")
    assert [f["id"] for f in work] == ["F0", "F1", "F4"]  # open: accepted and partly shipped too
    done = await walk(client, auth, "/fulfilments", status=["shipped", "cancelled"])
    assert [f["id"] for f in done] == ["F3", "F5"]
