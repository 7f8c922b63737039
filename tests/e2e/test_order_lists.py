"""``GET /orders`` filters and sorts, incremental sync by ``updated_since``, and the lookups
by number and by the channel's id, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
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


def order(n: int, **changes: Any) -> Body:
    body: Body = json.loads((PAYLOADS / "order_minimal.json").read_text())
    body["external_id"] = f"EXT-{n}"
    body.update(changes)
    return body


async def create(client: AsyncTestClient, auth: dict[str, str], body: Body) -> Body:
    r = await client.post("/orders", json=body, headers=auth)
    assert r.status_code == 201, r.text
    created: Body = r.json()
    return created


async def listed(client: AsyncTestClient, auth: dict[str, str], **params: Any) -> list[str]:
    """The numbers of every order the list gives, following its cursors (small pages)."""
    numbers: list[str] = []
    cursor = None
    for _ in range(50):
        asked = {"limit": 2, **params} | ({"cursor": cursor} if cursor else {})
        r = await client.get("/orders", params=asked, headers=auth)
        assert r.status_code == 200, r.text
        numbers += [o["number"] for o in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return numbers
    raise AssertionError("the list never ended")


def problem_fields(r: httpx.Response, status: int) -> list[str]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    return [e["field"] for e in r.json()["errors"]]


async def test_filters_take_several_values_and_combine(
    client: AsyncTestClient, auth: dict[str, str]
) -> None:
    buyers = [("Ana Lima", "ana@example.com"), ("Bo Chen", "bo@shop.test"), ("Cy Ode", None)]
    made = []
    for n, (channel, sku, (name, email)) in enumerate(
        [
            ("shop-eu", "MUG", buyers[0]),
            ("shop-us", "TEE", buyers[1]),
            ("callcentre", "MUG", buyers[2]),
        ]
    ):
        line = {"sku": sku, "quantity": 1, "unit_price": 3000}
        body = order(
            n,
            channel=channel,
            external_number=f"#10{n}",
            placed_at=f"2025-03-0{n + 1}T10:00:00Z",
            customer={"name": name, "email": email},
            lines=[line],
        )
        made.append((await create(client, auth, body))["number"])
    first, second, third = made
    await client.post(f"/orders/{second}/cancel", headers=auth)

    assert await listed(client, auth) == [third, second, first]  # newest placed first
    assert await listed(client, auth, sort="placed_at") == [first, second, third]
    assert await listed(client, auth, channel=["shop-eu", "shop-us"]) == [second, first]
    assert await listed(client, auth, status=["cancelled", "received"]) == [third, second, first]
    assert await listed(client, auth, status="cancelled") == [second]
    assert await listed(client, auth, external_id=["EXT-0", "EXT-2"]) == [third, first]
    assert await listed(client, auth, number=second) == [second]
    assert await listed(client, auth, sku="MUG") == [third, first]
    assert await listed(client, auth, sku="MUG", channel="callcentre") == [third]
    since = {"placed_since": "2025-03-02T10:00:00Z", "placed_until": "2025-03-03T10:00:00Z"}
    assert await listed(client, auth, **since) == [second]
    # q: the number, the channel's id or number, the buyer's name or email; any case
    assert await listed(client, auth, q="lima") == [first]
    assert await listed(client, auth, q="SHOP.TEST") == [second]
    assert await listed(client, auth, q=third) == [third]
    assert await listed(client, auth, q="ext-1") == [second]
    assert await listed(client, auth, q="#102") == [third]
    assert await listed(client, auth, q="100%") == []  # % and _ are text, not wildcards
    assert await listed(client, auth, q="nobody") == []


async def test_bad_filters_fail_loudly(client: AsyncTestClient, auth: dict[str, str]) -> None:
    await create(client, auth, order(1))
    get = client.get
    assert problem_fields(await get("/orders?external_ID=X", headers=auth), 400) == ["external_ID"]
    assert problem_fields(await get("/orders?limit=2&limit=3", headers=auth), 400) == ["limit"]
    assert problem_fields(await get("/orders?status=lost", headers=auth), 400) == ["status"]
    assert problem_fields(await get("/orders?sort=total", headers=auth), 400) == ["sort"]
    assert problem_fields(await get("/orders?q=ab", headers=auth), 400) == ["q"]
    naive = "/orders?updated_since=2025-03-01T00:00:00"
    assert problem_fields(await get(naive, headers=auth), 400) == ["updated_since"]
    # a cursor of one sort order is not one of another
    page = (await get("/orders?limit=1", headers=auth)).json()
    assert page["next_cursor"] is None
    await create(client, auth, order(2))
    cursor = (await get("/orders?limit=1", headers=auth)).json()["next_cursor"]
    other = await get("/orders", params={"cursor": cursor, "sort": "updated_at"}, headers=auth)
    assert problem_fields(other, 400) == ["cursor"]
    detail = (await get("/orders?bogus=1&channel=a", headers=auth)).json()["detail"]
    assert "bogus" in detail and "external_id" in detail  # says what the endpoint takes


async def test_incremental_sync_by_updated_at_skips_no_tied_order(
    client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    made = [(await create(client, auth, order(n)))["number"] for n in range(5)]
    tie = datetime(2025, 4, 1, 12, 0, tzinfo=UTC)
    async with db.write() as conn:  # five orders changed in the same instant
        await conn.execute(update(orders).values(updated_at=tie))
    seen = await listed(client, auth, sort="updated_at", updated_since="2025-04-01T12:00:00Z")
    assert sorted(seen) == sorted(made) and len(seen) == 5

    # a sync that stopped after two orders resumes from its cursor; an order changed in
    # the meantime comes again at the end, after the ones it had not seen
    r = await client.get("/orders", params={"sort": "updated_at", "limit": 2}, headers=auth)
    first_two = [o["number"] for o in r.json()["items"]]
    cursor = r.json()["next_cursor"]
    await client.post(f"/orders/{first_two[0]}/hold", headers=auth)
    rest = []
    while cursor:
        params = {"sort": "updated_at", "limit": 2, "cursor": cursor}
        page = (await client.get("/orders", params=params, headers=auth)).json()
        rest += [o["number"] for o in page["items"]]
        cursor = page["next_cursor"]
    assert sorted(first_two + rest[:-1]) == sorted(made) and rest[-1] == first_two[0]
    held = (await client.get(f"/orders/{first_two[0]}", headers=auth)).json()
    assert held["updated_at"] > "2025-04-01T12:00:00Z"
    newest = await listed(client, auth, sort="-updated_at", updated_since=held["updated_at"])
    assert newest == [first_two[0]]


async def test_lookups_by_number_and_external_id(
    client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    eu = await create(client, auth, order(1, channel="shop-eu"))
    us = await create(client, auth, order(1, channel="shop-us"))  # the same external id
    by_id = (await client.get(f"/orders/{eu['id']}", headers=auth)).json()
    by_number = await client.get(f"/orders/{eu['number']}", headers=auth)
    assert by_number.status_code == 200 and by_number.json() == by_id
    by_external = await client.get("/orders/by-external/shop-us/EXT-1", headers=auth)
    assert by_external.status_code == 200 and by_external.json()["id"] == us["id"]
    assert by_external.json()["timeline"][0]["kind"] == "received"
    assert (await client.get("/orders/H-999999", headers=auth)).status_code == 404
    missing = await client.get("/orders/by-external/shop-us/EXT-2", headers=auth)
    assert missing.status_code == 404

    # a channel's key sees its own orders only, by any lookup and in the list
    _, plain = await key_service.create(db, "shop-eu-key", ["channel:shop-eu"])
    own = {"Authorization": f"Bearer {plain}"}
    assert (await client.get(f"/orders/{eu['number']}", headers=own)).status_code == 200
    assert (await client.get(f"/orders/{us['number']}", headers=own)).status_code == 404
    assert (await client.get("/orders/by-external/shop-us/EXT-1", headers=own)).status_code == 404
    ok = await client.get("/orders/by-external/shop-eu/EXT-1", headers=own)
    assert ok.json()["id"] == eu["id"]
    assert await listed(client, own) == [eu["number"]]
    assert await listed(client, own, channel=["shop-us", "shop-eu"]) == [eu["number"]]
    assert await listed(client, own, channel="shop-us") == []
