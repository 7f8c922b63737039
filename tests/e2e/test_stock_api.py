"""``/locations`` and ``/stock`` over HTTP: batches apply all or nothing, counts become
adjustments with the counted figure kept, levels read per location, scopes are checked.
(An order short of stock, held or backordered by its channel's policy: ``test_stock_holds``.)
"""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import select

from hub.services import keys as key_service
from hub.store.database import Database
from hub.store.tables import stock_movements


def mv(kind: str, sku: str, location: str, quantity: int, reason: str = "test") -> dict[str, Any]:
    return {"kind": kind, "sku": sku, "location": location, "quantity": quantity, "reason": reason}


async def setup_locations(client: AsyncTestClient, auth: dict[str, str]) -> None:
    for code, priority in (("main", 1), ("tpl", 2)):
        r = await client.post(
            "/locations",
            json={"code": code, "name": code.title(), "kind": "own", "priority": priority},
            headers=auth,
        )
        assert r.status_code == 201, r.text


async def test_movements_counts_and_levels(
    client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    await setup_locations(client, auth)
    r = await client.post("/locations", json={"code": "main", "name": "again"}, headers=auth)
    assert r.status_code == 409
    listed = (await client.get("/locations", headers=auth)).json()
    assert [x["code"] for x in listed["items"]] == ["main", "tpl"]
    first = (await client.get("/locations?limit=1", headers=auth)).json()
    assert [x["code"] for x in first["items"]] == ["main"]
    params = {"cursor": first["next_cursor"]}
    rest = (await client.get("/locations", params=params, headers=auth)).json()
    assert ([x["code"] for x in rest["items"]], rest["next_cursor"]) == (["tpl"], None)

    batch = [mv("receipt", "TEE", "main", 10), mv("receipt", "TEE", "tpl", 4)]
    r = await client.post("/stock/movements", json={"movements": batch}, headers=auth)
    assert (r.status_code, r.json()) == (201, {"applied": 2})
    batch = [
        mv("count", "TEE", "tpl", 3, "3PL count 2025-03-14"),
        mv("adjustment", "TEE", "main", -1),
    ]
    assert (
        await client.post("/stock/movements", json={"movements": batch}, headers=auth)
    ).status_code == 201

    r = await client.get("/stock/TEE", headers=auth)
    view = r.json()
    # with no connections file only the callcentre sells, over every location
    assert [(c["channel"], c["ats"]) for c in view.pop("channels")] == [("callcentre", 12)]
    assert view == {
        "sku": "TEE",
        "on_hand": 12,
        "reserved": 0,
        "available": 12,
        "locations": [
            {"location": "main", "on_hand": 9, "reserved": 0, "available": 9, "bin": None},
            {"location": "tpl", "on_hand": 3, "reserved": 0, "available": 3, "bin": None},
        ],
    }
    async with db.read() as conn:
        counted = (
            await conn.execute(select(stock_movements).where(stock_movements.c.location == "tpl"))
        ).all()
    assert [(m.kind, m.quantity, m.on_hand_after) for m in counted] == [
        ("receipt", 4, 4),
        ("adjustment", -1, 3),
    ]
    assert "count of 3 (was 4)" in counted[1].reason and counted[1].source == "key:admin"
    assert (await client.get("/stock/NOPE", headers=auth)).status_code == 404


async def test_a_bad_movement_fails_the_whole_batch(
    client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    await setup_locations(client, auth)
    batch = [mv("receipt", "MUG", "main", 5), mv("adjustment", "MUG", "main", -9)]
    r = await client.post("/stock/movements", json={"movements": batch}, headers=auth)
    assert r.status_code == 422
    assert "movements[1]" in r.json()["detail"]
    assert r.json()["errors"][0]["field"] == "movements[1].quantity"
    batch = [mv("receipt", "MUG", "main", 5), mv("receipt", "MUG", "nowhere", 1)]
    r = await client.post("/stock/movements", json={"movements": batch}, headers=auth)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "movements[1].location"
    bad_kind = [{**mv("receipt", "MUG", "main", 5), "kind": "shipment"}]
    r = await client.post("/stock/movements", json={"movements": bad_kind}, headers=auth)
    assert r.status_code == 422
    async with db.read() as conn:
        assert (await conn.execute(select(stock_movements))).all() == []
    assert (await client.get("/stock/MUG", headers=auth)).status_code == 404


async def test_scopes(client: AsyncTestClient, auth: dict[str, str], db: Database) -> None:
    await setup_locations(client, auth)
    _, writer = await key_service.create(db, "3pl-feed", ["stock:write"])
    _, reader = await key_service.create(db, "reader", ["stock:read"])
    _, orders = await key_service.create(db, "orders", ["orders:read"])
    body = {"movements": [mv("receipt", "CAP", "main", 1)]}
    as_reader = {"Authorization": f"Bearer {reader}"}
    assert (await client.post("/stock/movements", json=body, headers=as_reader)).status_code == 403
    as_writer = {"Authorization": f"Bearer {writer}"}
    assert (await client.post("/stock/movements", json=body, headers=as_writer)).status_code == 201
    assert (await client.get("/stock/CAP", headers=as_reader)).status_code == 200
    assert (await client.get("/stock/CAP", headers=as_writer)).status_code == 200
    assert (await client.get("/locations", headers=as_reader)).status_code == 200
    new_place = {"code": "new", "name": "New"}
    assert (await client.post("/locations", json=new_place, headers=as_writer)).status_code == 403
    as_orders = {"Authorization": f"Bearer {orders}"}
    assert (await client.get("/stock/CAP", headers=as_orders)).status_code == 403
    assert (await client.get("/locations", headers=as_orders)).status_code == 403


async def test_the_schema_documents_stock(client: AsyncTestClient) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    assert {"/stock/movements", "/stock/{sku}", "/locations"} <= set(paths)


async def test_a_retried_batch_with_its_idempotency_key_applies_once(
    client: AsyncTestClient, auth: dict[str, str]
) -> None:
    await setup_locations(client, auth)
    batch = {"movements": [mv("receipt", "MUG", "main", 5)]}
    key = {**auth, "Idempotency-Key": "receipt-2025-03-14-001"}
    first = await client.post("/stock/movements", json=batch, headers=key)
    again = await client.post("/stock/movements", json=batch, headers=key)
    assert (first.status_code, first.json()) == (201, {"applied": 1})
    assert "idempotent-replayed" not in first.headers
    assert (again.status_code, again.json()) == (201, {"applied": 1})
    assert again.headers["idempotent-replayed"] == "true"
    assert (await client.get("/stock/MUG", headers=auth)).json()["on_hand"] == 5

    other = {"movements": [mv("receipt", "MUG", "main", 6)]}
    r = await client.post("/stock/movements", json=other, headers=key)
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "Idempotency-Key", "reason": "already used with a different body"}
    ]
    assert (await client.get("/stock/MUG", headers=auth)).json()["on_hand"] == 5
    # Without a key, the same batch is a new receipt.
    assert (await client.post("/stock/movements", json=batch, headers=auth)).status_code == 201
    assert (await client.get("/stock/MUG", headers=auth)).json()["on_hand"] == 10


async def test_sync_state_and_drift_answer_without_stock_channels(
    client: AsyncTestClient, auth: dict[str, str]
) -> None:
    await setup_locations(client, auth)
    batch = {"movements": [mv("receipt", "MUG", "main", 2)]}
    assert (await client.post("/stock/movements", json=batch, headers=auth)).status_code == 201
    r = await client.get("/stock/sync", headers=auth)
    assert (r.status_code, r.json()) == (200, {"items": [], "next_cursor": None})  # no channel
    r = await client.get("/stock/sync?state=bogus", headers=auth)
    assert r.status_code == 400
    assert (await client.get("/stock/drift", headers=auth)).json() == {
        "items": [],
        "next_cursor": None,
    }
