"""Orders held for want of stock, over HTTP with the real worker, on SQLite and PostgreSQL.

An order short of stock at acceptance goes on hold (policy ``hold``) and waits: stock of a
SKU it waits for arriving accepts it by itself, the oldest order first (placed_at, then
received_at), whether its line names the SKU, an alias of it or a bundle made of it. An
operator's hold stays until an operator releases it; a backorder channel's orders are
accepted as before and are never held for stock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import Connection, event

from hub.bootstrap import build_registry, load_connections
from hub.config import Settings
from hub.services.routing.waits import retry_waiting
from hub.store.database import Database
from hub.worker import Worker
from tests.e2e.test_catalog_api import item, put
from tests.e2e.test_orders_api import create, load
from tests.e2e.test_stock_api import mv
from tests.support.channels import with_channels
from tests.support.jobs import run_once_counting

Body = dict[str, Any]
SKU = "BOOK-NOTES"  # order_minimal's line: 3 of them


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """``shop-bo`` takes backorders; every other channel holds a short order."""
    return with_channels(
        settings, tmp_path, "shop-bo", settings_of={"shop-bo": {"stock_policy": "backorder"}}
    )


async def drain(db: Database, settings: Settings) -> None:
    """Run the worker until no job is due (the stock fan-out, acceptance, routing)."""
    worker = Worker(db, build_registry(settings, load_connections(settings)), settings)
    while await worker.run_once():
        pass


async def receive(client: AsyncTestClient, auth: dict[str, str], *moves: Body) -> None:
    r = await client.post("/stock/movements", json={"movements": list(moves)}, headers=auth)
    assert r.status_code == 201, r.text


async def main_location(client: AsyncTestClient, auth: dict[str, str]) -> None:
    body = {"code": "main", "name": "Main", "kind": "own", "priority": 1}
    assert (await client.post("/locations", json=body, headers=auth)).status_code == 201


async def order(
    client: AsyncTestClient, auth: dict[str, str], external_id: str, **fields: Any
) -> str:
    body = load("order_minimal") | {"external_id": external_id} | fields
    return str((await create(client, auth, body)).json()["id"])


async def detail(client: AsyncTestClient, auth: dict[str, str], order_id: str) -> Body:
    got: Body = (await client.get(f"/orders/{order_id}", headers=auth)).json()
    return got


async def statuses(client: AsyncTestClient, auth: dict[str, str], *ids: str) -> list[str]:
    return [(await detail(client, auth, oid))["status"] for oid in ids]


async def test_stock_arriving_accepts_the_oldest_held_order_first(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    await main_location(client, auth)
    # Received in this order; placed otherwise. Each wants 3 and none is in stock.
    late = await order(client, auth, "LATE", placed_at="2025-03-14T12:00:00Z")
    early = await order(client, auth, "EARLY", placed_at="2025-03-14T09:00:00Z")
    early_too = await order(client, auth, "EARLY-TOO", placed_at="2025-03-14T09:00:00Z")
    await drain(db, settings)
    assert await statuses(client, auth, late, early, early_too) == ["on_hold"] * 3
    held = (await detail(client, auth, late))["timeline"]
    assert held[-1]["detail"]["reason"] == f"not enough stock: {SKU}: 3 of 3 short"

    # Enough for one: the earliest placed gets it; the others wait, their timelines as
    # they were.
    await receive(client, auth, mv("receipt", SKU, "main", 4))
    await drain(db, settings)
    assert await statuses(client, auth, late, early, early_too) == [
        "on_hold",
        "released",
        "on_hold",
    ]
    assert (await detail(client, auth, late))["timeline"] == held
    steps = [
        (e["kind"], e["actor"], e["from_status"], e["to_status"])
        for e in (await detail(client, auth, early))["timeline"]
    ]
    assert steps[1:] == [
        ("hold", "worker", "received", "on_hold"),
        ("release", "worker", "on_hold", "received"),
        ("accept", "worker", "received", "accepted"),
        ("route", "worker", "accepted", "allocated"),
        ("release", "worker", "allocated", "released"),
    ]
    # Placed at the same time: the one received first comes next, with the unit left over.
    await receive(client, auth, mv("receipt", SKU, "main", 2))
    await drain(db, settings)
    assert await statuses(client, auth, late, early_too) == ["on_hold", "released"]
    await receive(client, auth, mv("receipt", SKU, "main", 3))
    await drain(db, settings)
    assert await statuses(client, auth, late) == ["released"]
    view = (await client.get(f"/stock/{SKU}", headers=auth)).json()
    assert (view["on_hand"], view["reserved"], view["available"]) == (9, 9, 0)


async def test_a_line_naming_an_alias_or_a_bundle_waits_for_the_components(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    await main_location(client, auth)
    kit = item("KIT", components={"PAD": 2, "PEN": 1})
    r = await put(client, auth, item("PAD"), item("PEN", aliases=["PEN-OLD"]), kit)
    assert r.status_code == 200, r.text
    line = {"line_id": "1", "name": "x", "quantity": 1, "unit_price": 3000}
    one = {"lines": [line | {"sku": "KIT"}]}
    kits = await order(client, auth, "KIT-1", placed_at="2025-03-14T09:00:00Z", **one)
    one = {"lines": [line | {"sku": "PEN-OLD"}]}
    pens = await order(client, auth, "PEN-1", placed_at="2025-03-14T10:00:00Z", **one)
    await drain(db, settings)
    assert await statuses(client, auth, kits, pens) == ["on_hold", "on_hold"]

    # Pads alone cover neither order; a pen then covers the older one (the kit) only.
    await receive(client, auth, mv("receipt", "PAD", "main", 2))
    await drain(db, settings)
    assert await statuses(client, auth, kits, pens) == ["on_hold", "on_hold"]
    await receive(client, auth, mv("receipt", "PEN", "main", 1))
    await drain(db, settings)
    assert await statuses(client, auth, kits, pens) == ["released", "on_hold"]
    await receive(client, auth, mv("receipt", "PEN", "main", 1))
    await drain(db, settings)
    assert await statuses(client, auth, kits, pens) == ["released", "released"]


async def test_an_operators_hold_is_not_released_by_stock(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    await main_location(client, auth)
    manual = await order(client, auth, "MANUAL")
    r = await client.post(f"/orders/{manual}/hold", json={"reason": "call the buyer"}, headers=auth)
    assert r.status_code == 200, r.text
    short = await order(client, auth, "SHORT")
    await drain(db, settings)
    # Released by an operator and still short, it is held for stock, and waits again.
    assert (await client.post(f"/orders/{short}/release", headers=auth)).status_code == 200
    await drain(db, settings)
    assert await statuses(client, auth, manual, short) == ["on_hold", "on_hold"]

    await receive(client, auth, mv("receipt", SKU, "main", 10))
    await drain(db, settings)
    assert await statuses(client, auth, manual, short) == ["on_hold", "released"]
    last = (await detail(client, auth, manual))["timeline"][-1]
    assert (last["kind"], last["detail"]) == ("hold", {"reason": "call the buyer"})


async def test_a_backorder_channel_is_accepted_at_once_and_never_held_for_stock(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    await main_location(client, auth)
    await receive(client, auth, mv("receipt", SKU, "main", 1))
    back = await order(client, auth, "BO-1", channel="shop-bo")
    await drain(db, settings)
    got = await detail(client, auth, back)
    # Accepted with what there is; no location can ship all 3, so it waits for a route
    # (its own reservation is a stock change, so routing tries once more at once).
    assert got["status"] == "on_hold"
    assert got["timeline"][1]["kind"] == "accept"
    assert got["timeline"][1]["detail"] == {"backorder": f"{SKU}: 2 of 3 short"}
    assert got["timeline"][-1]["detail"]["reason"].startswith("no route: ")

    await receive(client, auth, mv("receipt", SKU, "main", 2))
    await drain(db, settings)
    got = await detail(client, auth, back)
    assert got["status"] == "released"
    kinds = [e["kind"] for e in got["timeline"]]
    assert kinds.count("accept") == 1 and "hold" not in kinds  # never held for stock
    assert [e["kind"] for e in got["timeline"][-3:]] == ["release", "route", "release"]
    assert got["timeline"][-3]["detail"] == {"reason": "stock arrived: routing again"}


async def test_short_order_holds_or_backorders_by_channel_policy(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    for code, priority in (("main", 1), ("tpl", 2)):
        body = {"code": code, "name": code, "kind": "own", "priority": priority}
        assert (await client.post("/locations", json=body, headers=auth)).status_code == 201
    await receive(client, auth, mv("receipt", SKU, "main", 1), mv("receipt", SKU, "tpl", 1))
    held = await order(client, auth, "MIN-1")  # wants 3
    backordered = await order(client, auth, "bo-1", channel="shop-bo")
    registry = build_registry(settings, load_connections(settings))
    assert await run_once_counting(db, registry, settings) == 2

    got = await detail(client, auth, held)
    assert got["status"] == "on_hold"
    assert got["timeline"][-1]["detail"]["reason"] == f"not enough stock: {SKU}: 1 of 3 short"
    got = await detail(client, auth, backordered)
    # Accepted as a backorder; with 1 unit short no location can ship it all, so it waits
    # on hold for stock (routing tries again when BOOK-NOTES moves).
    assert got["status"] == "on_hold"
    assert got["timeline"][-2]["detail"] == {"backorder": f"{SKU}: 1 of 3 short"}
    assert got["timeline"][-1]["kind"] == "route"
    assert got["timeline"][-1]["detail"]["reason"].startswith("no route: ")
    view = (await client.get(f"/stock/{SKU}", headers=auth)).json()
    assert (view["on_hand"], view["reserved"], view["available"]) == (2, 2, 0)

    # Stock arrives at main: the backorder, waiting for a route, is routed again (a line is
    # not split, so its unit reserved at tpl moves to main); the order held for stock is
    # accepted and routed. Both by themselves, and both ship from main.
    await receive(client, auth, mv("receipt", SKU, "main", 5))
    await drain(db, settings)
    assert await statuses(client, auth, held, backordered) == ["released", "released"]
    view = (await client.get(f"/stock/{SKU}", headers=auth)).json()
    assert (view["on_hand"], view["reserved"], view["available"]) == (7, 6, 1)
    assert [(x["location"], x["reserved"]) for x in view["locations"]] == [("main", 6), ("tpl", 0)]
    fulfilments = (await client.get("/fulfilments?location=main", headers=auth)).json()["items"]
    assert sorted((f["order_id"], f["lines"][0]["quantity"]) for f in fulfilments) == sorted(
        [(held, 3), (backordered, 3)]
    )


def _statements(conn: Connection, run: Callable[[], object]) -> tuple[object, int]:
    seen: list[str] = []

    def count(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(conn, "before_cursor_execute", count)
    try:
        return run(), len(seen)
    finally:
        event.remove(conn, "before_cursor_execute", count)


async def test_with_nothing_waiting_a_stock_change_costs_one_read(db: Database) -> None:
    now = datetime.now(UTC)
    result, statements = await db.run_write(
        lambda conn: _statements(conn, lambda: retry_waiting(conn, {SKU, "PEN"}, now=now))
    )
    assert (result, statements) == (0, 1)
