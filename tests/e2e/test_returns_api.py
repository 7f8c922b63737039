"""Returns over HTTP on both databases: opened by an operator, authorised, received and
graded in two parts at the merchant's warehouse, refunded (a call-centre order: recorded
at once), every step on the order's timeline; the refusals name their field and write
nothing; the buyer's form on the tracking page unlocks, shows returnable lines, opens a
return and is rate-limited."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from hub.config import Settings
from hub.services.returns import buyer_form
from hub.store.database import Database
from hub.store.tables import stock_movements
from tests.e2e.test_fulfilment_api import drain, location, order, receive

Auth = dict[str, str]


async def shipped_order(
    client: AsyncTestClient, auth: Auth, db: Database, settings: Settings, ref: str = "R-1"
) -> dict[str, Any]:
    """A paid call-centre order of 2 TEE and 1 MUG (1000 each), shipped in full from main."""
    await location(client, auth, "main", priority=1)
    await receive(client, auth, ("TEE", "main", 10), ("MUG", "main", 10))
    body = order(ref, ("TEE", 2), ("MUG", 1))
    body["shipping_address"]["postal_code"] = "SW1A 1AA"
    r = await client.post("/orders", json=body, headers=auth)
    assert r.status_code == 201, r.text
    made: dict[str, Any] = r.json()
    await drain(db, settings)
    (f,) = (await client.get("/fulfilments", headers=auth)).json()["items"]
    ship = {"carrier": "DHL", "tracking_number": f"T-{ref}"}
    r = await client.post(f"/fulfilments/{f['id']}/shipments", json=ship, headers=auth)
    assert r.status_code == 201, r.text
    return made


async def on_hand(client: AsyncTestClient, auth: Auth, sku: str) -> int:
    r = await client.get(f"/stock/{sku}", headers=auth)
    return int(next(x["on_hand"] for x in r.json()["locations"] if x["location"] == "main"))


async def test_a_return_received_in_two_parts_and_refunded(
    client: AsyncTestClient, auth: Auth, db: Database, settings: Settings
) -> None:
    made = await shipped_order(client, auth, db, settings)
    order_id = made["id"]
    body = {"lines": [{"sku": "TEE", "quantity": 2}], "reason": "size_or_fit", "note": "too big"}
    r = await client.post(f"/orders/{order_id}/returns", json=body, headers=auth)
    assert r.status_code == 201, r.text
    ret = r.json()
    assert (ret["status"], ret["opened_by"], ret["outside_policy"]) == ("requested", "operator", [])
    rid = ret["id"]
    r = await client.post(f"/returns/{rid}/authorise", json={}, headers=auth)
    assert (r.status_code, r.json()["status"], r.json()["location"]) == (200, "authorised", "main")
    before = await on_hand(client, auth, "TEE")

    one = {"location": "main", "lines": [{"sku": "TEE", "quantity": 1, "grade": "sellable"}]}
    r = await client.post(f"/returns/{rid}/receive", json=one, headers=auth)
    assert (r.status_code, r.json()["status"]) == (200, "partially_received")
    assert await on_hand(client, auth, "TEE") == before + 1
    damaged = {"location": "main", "lines": [{"sku": "TEE", "quantity": 1, "grade": "damaged"}]}
    r = await client.post(f"/returns/{rid}/receive", json=damaged, headers=auth)
    assert (r.status_code, r.json()["status"]) == (200, "received")
    assert await on_hand(client, auth, "TEE") == before + 1  # written off
    async with db.read() as conn:
        reasons = (await conn.execute(select(stock_movements.c.reason).where(
            stock_movements.c.source == f"return:{rid}"))).scalars().all()  # fmt: skip
    assert f"written off: return {rid}, damaged" in reasons

    r = await client.post(f"/returns/{rid}/refund", json={}, headers=auth)
    assert r.status_code == 200, r.text
    refund = r.json()["refund"]
    assert (r.json()["status"], refund["amount"], refund["state"]) == ("refunded", 2000, "recorded")
    got = (await client.get(f"/orders/{order_id}", headers=auth)).json()
    assert (got["payment"]["refunded"], got["payment"]["status"]) == (2000, "partially_refunded")
    r = await client.post(f"/returns/{rid}/close", json={}, headers=auth)
    assert r.json()["status"] == "closed"
    timeline = (await client.get(f"/orders/{order_id}", headers=auth)).json()["timeline"]
    kinds = [e["kind"] for e in timeline if e["kind"].startswith("return_")]
    assert kinds == ["return_requested", "return_authorised", "return_received",
                     "return_received", "return_refunded", "return_closed"]  # fmt: skip
    listed = (await client.get("/returns?state=closed", headers=auth)).json()
    assert [x["id"] for x in listed["items"]] == [rid]
    assert (await client.get("/returns?state=requested", headers=auth)).json()["items"] == []


async def test_refusals_name_the_field_and_write_nothing(
    client: AsyncTestClient, auth: Auth, db: Database, settings: Settings
) -> None:
    order_id = (await shipped_order(client, auth, db, settings))["id"]
    too_many = {"lines": [{"sku": "TEE", "quantity": 3}], "reason": "other"}
    r = await client.post(f"/orders/{order_id}/returns", json=too_many, headers=auth)
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["lines[0].quantity"]
    assert (await client.get("/returns", headers=auth)).json()["items"] == []
    body = {"lines": [{"sku": "TEE", "quantity": 2}], "reason": "other"}
    rid = (await client.post(f"/orders/{order_id}/returns", json=body, headers=auth)).json()["id"]
    r = await client.post(f"/orders/{order_id}/returns", json=body, headers=auth)
    assert r.status_code == 422  # the units are in the first return
    one = {"location": "main", "lines": [{"sku": "TEE", "quantity": 1, "grade": "sellable"}]}
    r = await client.post(f"/returns/{rid}/receive", json=one, headers=auth)
    assert (r.status_code, r.json()["errors"][0]["field"]) == (409, "status")  # not authorised
    await client.post(f"/returns/{rid}/authorise", json={}, headers=auth)
    nowhere = {**one, "location": "moon"}
    r = await client.post(f"/returns/{rid}/receive", json=nowhere, headers=auth)
    assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "location")
    bad = {"location": "main", "lines": [{"sku": "TEE", "quantity": 1, "grade": "shiny"}]}
    r = await client.post(f"/returns/{rid}/receive", json=bad, headers=auth)
    assert r.status_code in (400, 422) and "grade" in r.text
    r = await client.post(f"/returns/{rid}/refund", json={}, headers=auth)
    assert (r.status_code, r.json()["errors"][0]["field"]) == (409, "status")
    three = {"location": "main", "lines": [{"sku": "TEE", "quantity": 3, "grade": "sellable"}]}
    r = await client.post(f"/returns/{rid}/receive", json=three, headers=auth)
    assert (r.status_code, r.json()["errors"][0]["field"]) == (409, "lines[0].quantity")
    assert (await client.get(f"/returns/{rid}", headers=auth)).json()["receipts"] == []
    await client.post(f"/returns/{rid}/receive", json=one, headers=auth)
    r = await client.post(f"/returns/{rid}/refund", json={"amount": 999_999}, headers=auth)
    assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "amount")
    assert (await client.get(f"/returns/{rid}", headers=auth)).json()["refund"] is None


async def test_the_buyer_opens_a_return_on_the_tracking_page(
    client: AsyncTestClient, auth: Auth, db: Database, settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    made = await shipped_order(client, auth, db, settings)
    ref = made["public_ref"]
    page = await client.get(f"/track/{ref}/return")
    assert page.status_code == 200 and 'name="unlock"' in page.text and "TEE" not in page.text
    r = await client.post(f"/track/{ref}/return", data={"unlock": "wrong"})
    assert r.status_code == 200 and "does not match" in r.text and "TEE" not in r.text
    r = await client.post(f"/track/{ref}/return", data={"unlock": "sw1a1aa"})
    assert r.status_code == 200 and 'name="qty_0"' in r.text and 'max="2"' in r.text
    form = {"unlock": "ADA@example.com", "qty_0": "1", "qty_1": "0", "reason": "defective"}
    r = await client.post(f"/track/{ref}/return", data=form)
    assert r.status_code == 200 and "is requested" in r.text, r.text
    (ret,) = (await client.get("/returns", headers=auth)).json()["items"]
    assert (ret["opened_by"], ret["reason"], ret["lines"][0]["quantity"]) == (
        "buyer",
        "defective",
        1,
    )
    r = await client.post(f"/track/{ref}/return", data={"unlock": "sw1a1aa"})
    assert 'max="1"' in r.text  # one TEE left to return
    monkeypatch.setattr(buyer_form, "PER_REF_PER_HOUR", 1)
    other = await client.post("/orders", json=order("R-2", ("TEE", 1)), headers=auth)
    ref2 = other.json()["public_ref"]
    assert (await client.post(f"/track/{ref2}/return", data={"unlock": "x"})).status_code == 200
    r = await client.post(f"/track/{ref2}/return", data={"unlock": "x"})
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert (await client.get("/track/NOPE/return")).status_code == 404
