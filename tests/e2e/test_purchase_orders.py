"""``/purchase-orders``: placed with checked lines, paged newest first, received into stock
through the movement ledger (partially, never beyond what was ordered), closed."""

from __future__ import annotations

from typing import Any

import httpx
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from hub.services import keys as key_service
from hub.store.database import Database
from hub.store.tables import stock_movements
from tests.e2e.test_catalog_api import item, put
from tests.e2e.test_orders_api import assert_problem
from tests.e2e.test_stock_api import setup_locations


def po(lines: dict[str, int], location: str = "main", **extra: Any) -> dict[str, Any]:
    return {
        "supplier": "ACME",
        "location": location,
        "expected_on": "2025-04-01",
        "lines": [{"sku": s, "quantity": q} for s, q in lines.items()],
        **extra,
    }


async def place(client: AsyncTestClient, auth: dict[str, str], body: dict[str, Any]) -> Any:
    r = await client.post("/purchase-orders", json=body, headers=auth)
    assert r.status_code == 201, r.text
    return r.json()


async def receive(
    client: AsyncTestClient, auth: dict[str, str], po_id: str, lines: dict[str, int], **headers: str
) -> httpx.Response:
    body = {"lines": [{"sku": s, "quantity": q} for s, q in lines.items()]}
    return await client.post(
        f"/purchase-orders/{po_id}/receive", json=body, headers={**auth, **headers}
    )


async def stock(client: AsyncTestClient, auth: dict[str, str], sku: str) -> int:
    r = await client.get(f"/stock/{sku}", headers=auth)
    return 0 if r.status_code == 404 else int(r.json()["on_hand"])


async def test_place_receive_in_parts_and_refuse_too_many(
    client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    await setup_locations(client, auth)
    assert (await put(client, auth, item("TEE", aliases=["TEE-OLD"]))).is_success
    order = await place(client, auth, po({"TEE-OLD": 10, "MUG": 4}, reference="SUP-77"))
    assert order["status"] == "open" and order["reference"] == "SUP-77"
    assert order["lines"] == [
        {"sku": "TEE", "quantity": 10, "received": 0},  # the alias is its SKU
        {"sku": "MUG", "quantity": 4, "received": 0},
    ]
    po_id = order["id"]
    r = await receive(client, auth, po_id, {"TEE": 6})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "open" and r.json()["lines"][0]["received"] == 6
    assert await stock(client, auth, "TEE") == 6

    r = await receive(client, auth, po_id, {"MUG": 4, "TEE": 5})  # only 4 TEE still expected
    problem = assert_problem(r, 422, "lines[1].quantity")
    assert "exceed the 10 ordered (6 received already)" in problem["detail"]
    assert (await stock(client, auth, "TEE"), await stock(client, auth, "MUG")) == (6, 0)
    assert_problem(await receive(client, auth, po_id, {"CAP": 1}), 422, "lines[0].sku")

    r = await receive(client, auth, po_id, {"MUG": 4, "TEE": 4}, **{"Idempotency-Key": "rx-2"})
    assert r.status_code == 200 and r.json()["status"] == "received"
    again = await receive(client, auth, po_id, {"MUG": 4, "TEE": 4}, **{"Idempotency-Key": "rx-2"})
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert (await stock(client, auth, "TEE"), await stock(client, auth, "MUG")) == (10, 4)
    async with db.read() as conn:
        moves = (await conn.execute(select(stock_movements.c.kind, stock_movements.c.source))).all()
    assert set(moves) == {("receipt", f"purchase-order:{po_id}")} and len(moves) == 3
    assert_problem(await receive(client, auth, po_id, {"TEE": 1}), 409, "status")
    assert_problem(await client.post(f"/purchase-orders/{po_id}/close", headers=auth), 409)


async def test_bad_orders_name_the_field(client: AsyncTestClient, auth: dict[str, str]) -> None:
    await setup_locations(client, auth)
    assert (await put(client, auth, item("A"), item("KIT", components={"A": 2}))).is_success
    for body, field in (
        (po({"A": 1}, location="nowhere"), "location"),
        (po({"A": 1, "KIT": 1}), "lines[1].sku"),
        (po({"A": 0}), "lines[0].quantity"),
        (po({}), "lines"),
        (po({"A": 1}) | {"expected_on": "soon"}, "expected_on"),
        (po({"A": 1}) | {"colour": "red"}, "colour"),
    ):
        r = await client.post("/purchase-orders", json=body, headers=auth)
        assert_problem(r, 422, field)
    twice = po({"A": 1}) | {"lines": [{"sku": "A", "quantity": 1}, {"sku": "A", "quantity": 2}]}
    assert_problem(
        await client.post("/purchase-orders", json=twice, headers=auth), 422, "lines[1].sku"
    )
    assert_problem(await client.get("/purchase-orders/NOPE", headers=auth), 404)


async def test_paged_newest_first_and_closed(
    client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    await setup_locations(client, auth)
    ids = [
        (await place(client, auth, po({"A": n}, location=loc)))["id"]
        for n, loc in ((1, "main"), (2, "tpl"), (3, "main"))
    ]
    closed = await client.post(f"/purchase-orders/{ids[0]}/close", headers=auth)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    page = (await client.get("/purchase-orders?limit=2", headers=auth)).json()
    assert [p["id"] for p in page["items"]] == [ids[2], ids[1]] and page["next_cursor"] == ids[1]
    rest = (await client.get(f"/purchase-orders?limit=2&cursor={ids[1]}", headers=auth)).json()
    assert [p["id"] for p in rest["items"]] == [ids[0]] and rest["next_cursor"] is None
    open_main = (
        await client.get("/purchase-orders?status=open&location=main", headers=auth)
    ).json()
    assert [p["id"] for p in open_main["items"]] == [ids[2]]
    assert_problem(await client.get("/purchase-orders?cursor=x", headers=auth), 422, "cursor")
    assert_problem(await client.get("/purchase-orders?status=lost", headers=auth), 400, "status")

    _, reader = await key_service.create(db, "reader", ["stock:read"])
    as_reader = {"Authorization": f"Bearer {reader}"}
    assert (await client.get("/purchase-orders", headers=as_reader)).status_code == 200
    r = await client.post("/purchase-orders", json=po({"A": 1}), headers=as_reader)
    assert_problem(r, 403)
    assert_problem(await receive(client, as_reader, ids[2], {"A": 1}), 403)
