"""``PATCH /orders/{id}`` (what an operator may change before release) and the refund due
that ``POST /orders/{id}/cancel`` reports, over HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import update

from hub.config import Settings
from hub.services import keys as key_service
from hub.store.database import Database
from hub.store.tables import orders
from tests.conftest import PAYLOADS
from tests.support.channels import with_channels


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The channels these tests send orders for, configured: an order's channel must exist."""
    return with_channels(settings, tmp_path, "shop-eu", "shop-us")


Body = dict[str, Any]
NEW_ADDRESS = {"name": "Ada L.", "line1": "2 Difference Row", "city": "Leeds", "country": "GB"}


async def create(client: AsyncTestClient, auth: dict[str, str], **changes: Any) -> Body:
    body: Body = json.loads((PAYLOADS / "order_minimal.json").read_text())
    body.update(changes)
    r = await client.post("/orders", json=body, headers=auth)
    assert r.status_code == 201, r.text
    created: Body = r.json()
    return created


async def set_status(db: Database, order_id: str, status: str) -> None:
    async with db.write() as conn:
        await conn.execute(update(orders).where(orders.c.id == order_id).values(status=status))


async def key(db: Database, name: str, *scopes: str) -> dict[str, str]:
    _, plain = await key_service.create(db, name, list(scopes))
    return {"Authorization": f"Bearer {plain}"}


async def test_patch_changes_what_it_names_and_records_who_and_what(
    client: AsyncTestClient, auth: dict[str, str]
) -> None:
    made = await create(client, auth, tags=["gift"])
    change = {
        "shipping_address": NEW_ADDRESS,
        "note": "leave with the neighbour",
        "tags": ["gift", "vip"],
        "ship_by": "2025-03-20T18:00:00+01:00",
        "service_level": "next_day",
    }
    r = await client.patch(f"/orders/{made['number']}", json=change, headers=auth)
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["shipping_address"]["city"] == "Leeds" and got["note"] == change["note"]
    assert got["tags"] == ["gift", "vip"] and got["ship_by"] == "2025-03-20T17:00:00Z"
    assert got["shipping"] == {**made["shipping"], "service_level": "next_day"}
    assert got["lines"] == made["lines"] and got["customer"] == made["customer"]  # untouched

    detail = (await client.get(f"/orders/{made['id']}", headers=auth)).json()
    # it was stored (the detail lists the payment's transactions besides its figures)
    transactions = detail["payment"].pop("transactions")
    assert [t["kind"] for t in transactions] == ["capture"]
    assert detail == {**got, "timeline": detail["timeline"]}
    edited = detail["timeline"][-1]
    assert (edited["kind"], edited["actor"]) == ("edited", "key:admin")
    assert edited["detail"]["changed"]["tags"] == {"from": ["gift"], "to": ["gift", "vip"]}
    assert edited["detail"]["changed"]["service_level"] == {"from": None, "to": "next_day"}
    assert set(edited["detail"]["changed"]) == set(change)

    # null clears what may be cleared; the same value again changes nothing
    r = await client.patch(f"/orders/{made['id']}", json={"note": None}, headers=auth)
    assert r.json()["note"] is None
    again = await client.patch(f"/orders/{made['id']}", json={"note": None}, headers=auth)
    assert again.status_code == 200
    timeline = (await client.get(f"/orders/{made['id']}", headers=auth)).json()["timeline"]
    assert [e["kind"] for e in timeline] == ["received", "edited", "edited"]
    found = await client.get("/orders", params={"q": "ada l."}, headers=auth)
    assert [o["id"] for o in found.json()["items"]] == [made["id"]]  # search follows the edit


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lines": []}, "lines"),
        ({"shipping_address": {**NEW_ADDRESS, "country": "XX"}}, "shipping_address.country"),
        ({"shipping_address": None}, "shipping_address"),
        ({"tags": ["x"] * 51}, "tags"),
        ({"service_level": "Next Day"}, "service_level"),
        ({"ship_by": "2025-03-20T18:00:00"}, "ship_by"),
        ({}, "body"),
    ],
)
async def test_bad_fields_are_422_naming_them(
    client: AsyncTestClient, auth: dict[str, str], body: Body, field: str
) -> None:
    made = await create(client, auth)
    r = await client.patch(f"/orders/{made['id']}", json=body, headers=auth)
    assert r.status_code == 422, r.text
    assert field in [e["field"] for e in r.json()["errors"]], r.json()
    assert (await client.get(f"/orders/{made['id']}", headers=auth)).json()["timeline"][-1][
        "kind"
    ] == "received"


async def test_after_release_a_change_is_refused_saying_why(
    client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    made = await create(client, auth)
    for status in ("released", "shipped", "cancelled"):
        await set_status(db, made["id"], status)
        r = await client.patch(f"/orders/{made['id']}", json={"note": "late"}, headers=auth)
        assert r.status_code == 409, r.text
        assert status in r.json()["detail"] and made["number"] in r.json()["detail"]
        assert [e["field"] for e in r.json()["errors"]] == ["status"]
    assert "warehouse" in r.json()["detail"] or status == "cancelled"
    await set_status(db, made["id"], "on_hold")
    assert (
        await client.patch(f"/orders/{made['id']}", json={"note": "ok"}, headers=auth)
    ).is_success


async def test_who_may_change_an_order(
    client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    made = await create(client, auth, channel="shop-eu")
    url = f"/orders/{made['id']}"
    reader = await key(db, "reader", "orders:read")
    assert (await client.patch(url, json={"note": "x"}, headers=reader)).status_code == 403
    other = await key(db, "shop-us", "channel:shop-us")
    assert (await client.patch(url, json={"note": "x"}, headers=other)).status_code == 404
    own = await key(db, "shop-eu", "channel:shop-eu")
    r = await client.patch(url, json={"note": "from the shop"}, headers=own)
    assert r.status_code == 200 and r.json()["note"] == "from the shop"
    writer = await key(db, "writer", "orders:write")
    assert (await client.patch(url, json={"tags": ["a"]}, headers=writer)).status_code == 200
    timeline = (await client.get(url, headers=auth)).json()["timeline"]
    assert [e["actor"] for e in timeline if e["kind"] == "edited"] == ["key:shop-eu", "key:writer"]


@pytest.mark.parametrize(
    ("payment", "amount", "action"),
    [
        ("paid", 3500, "refund"),
        # a refund of an unknown amount is recorded as 0: all that was captured may be due
        ("partially_refunded", 3500, "refund"),
        ("authorized", 0, "void_authorization"),
        ("pending", 0, "none"),
    ],
)
async def test_cancel_shows_the_refund_due(
    client: AsyncTestClient,
    auth: dict[str, str],
    payment: str,
    amount: int,
    action: str,
) -> None:
    made = await create(client, auth, payment={"status": payment})
    r = await client.post(f"/orders/{made['number']}/cancel", headers=auth)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled"
    due = r.json()["refund_due"]
    assert (due["payment_status"], due["currency"]) == (payment, "EUR")
    assert (due["amount"], due["action"]) == (amount, action)
    assert due["note"]
    timeline = (await client.get(f"/orders/{made['id']}", headers=auth)).json()["timeline"]
    assert timeline[-1]["kind"] == "cancel" and timeline[-1]["detail"]["refund_due"] == due
