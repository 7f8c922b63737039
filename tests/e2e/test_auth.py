"""API keys over HTTP, on SQLite and PostgreSQL: who may call what, and what they see.

No key, a wrong scheme, an unknown or revoked key: 401. A key without the scope: 403. A
channel's own key writes and reads only its channel's orders. Health probes are public, the
job queue is for admins, and a key never comes back in any answer.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from hub.config import Settings
from hub.services import keys as key_service
from hub.store.database import Database
from hub.store.tables import jobs, orders
from tests.conftest import PAYLOADS
from tests.support.channels import with_channels

Body = dict[str, Any]
PROBLEM_JSON = "application/problem+json"


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The channels these tests send orders for, configured: an order's channel must exist."""
    return with_channels(settings, tmp_path, "shop-eu", "shop-us")


def load(name: str) -> Body:
    body: Body = json.loads((PAYLOADS / f"{name}.json").read_text())
    return body


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def new_key(db: Database, name: str, *scopes: str) -> dict[str, str]:
    _, plain = await key_service.create(db, name, scopes)
    return bearer(plain)


def assert_problem(r: httpx.Response, status: int) -> Body:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM_JSON), r.headers
    problem: Body = r.json()
    assert problem["status"] == status
    assert problem["detail"]
    return problem


def assert_401(r: httpx.Response) -> None:
    assert_problem(r, 401)
    assert r.headers["www-authenticate"].lower().startswith("bearer")


async def count(db: Database, table: Any) -> int:
    async with db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def test_no_key_is_401_with_www_authenticate(
    client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    order_id = (await client.post("/orders", json=load("order_minimal"), headers=auth)).json()["id"]
    assert_401(await client.get("/orders"))
    assert_401(await client.get(f"/orders/{order_id}"))
    assert_401(await client.post("/orders", json=load("order_callcentre")))
    assert_401(await client.post(f"/orders/{order_id}/cancel"))
    assert_401(await client.get("/jobs"))
    assert await count(db, orders) == 1
    got = (await client.get(f"/orders/{order_id}", headers=auth)).json()
    assert got["status"] == "received"


async def test_wrong_scheme_or_unknown_key_is_401(client: AsyncTestClient, admin_key: str) -> None:
    assert (await client.get("/orders", headers=bearer(admin_key))).status_code == 200
    for header in (
        f"Basic {admin_key}",
        f"Token {admin_key}",
        admin_key,
        "Bearer",
        "Bearer ",
        "Bearer hub_" + "A" * 43,
        f"Bearer {admin_key}x",
        f"Bearer {admin_key[:-1]}",
    ):
        r = await client.get("/orders", headers={"Authorization": header})
        assert_401(r)
        assert admin_key not in r.text


async def test_revoked_key_is_401(client: AsyncTestClient, db: Database) -> None:
    headers = await new_key(db, "till-3", "orders:write")
    assert (await client.get("/orders", headers=headers)).status_code == 200
    await key_service.revoke(db, "till-3")
    await asyncio.sleep(0.01)  # past the (tiny) key cache of the test settings
    assert_401(await client.get("/orders", headers=headers))
    assert_401(await client.post("/orders", json=load("order_minimal"), headers=headers))
    assert await count(db, orders) == 0


async def test_read_only_key_reads_but_cannot_write(
    client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    reader = await new_key(db, "reporting", "orders:read")
    order_id = (await client.post("/orders", json=load("order_minimal"), headers=auth)).json()["id"]

    problem = assert_problem(
        await client.post("/orders", json=load("order_callcentre"), headers=reader), 403
    )
    assert "orders:write" in problem["detail"]
    for action in ("cancel", "hold", "release"):
        assert_problem(
            await client.post(f"/orders/{order_id}/{action}", json={"reason": "x"}, headers=reader),
            403,
        )

    listing = await client.get("/orders", headers=reader)
    assert listing.status_code == 200, listing.text
    assert [o["id"] for o in listing.json()["items"]] == [order_id]
    detail = await client.get(f"/orders/{order_id}", headers=reader)
    assert detail.status_code == 200, detail.text
    assert detail.json()["status"] == "received"
    assert len(detail.json()["timeline"]) == 1
    assert await count(db, orders) == 1
    assert await count(db, jobs) == 1


async def test_channel_key_is_bound_to_its_channel(
    client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    shop = await new_key(db, "shop-eu-sync", "channel:shop-eu")

    body = load("order_minimal")
    assert "channel" not in body
    r = await client.post("/orders", json=body, headers=shop)
    assert r.status_code == 201, r.text
    own = r.json()
    assert own["channel"] == "shop-eu"

    explicit = load("order_minimal") | {"channel": "shop-eu", "external_id": "MIN-2"}
    r = await client.post("/orders", json=explicit, headers=shop)
    assert r.status_code == 201, r.text
    own_2 = r.json()

    foreign = load("order_minimal") | {"channel": "shop-us", "external_id": "MIN-3"}
    problem = assert_problem(await client.post("/orders", json=foreign, headers=shop), 403)
    assert "channel" in [e["field"] for e in problem["errors"]]
    assert "shop-us" in problem["detail"]
    assert await count(db, orders) == 2

    other = (await client.post("/orders", json=foreign, headers=auth)).json()
    callcentre = (await client.post("/orders", json=load("order_callcentre"), headers=auth)).json()
    assert callcentre["channel"] == "callcentre"

    listing = await client.get("/orders", headers=shop)
    assert listing.status_code == 200, listing.text
    assert {o["id"] for o in listing.json()["items"]} == {own["id"], own_2["id"]}
    assert {o["channel"] for o in listing.json()["items"]} == {"shop-eu"}
    asked = await client.get("/orders", params={"channel": "shop-us"}, headers=shop)
    assert asked.status_code == 200
    assert asked.json()["items"] == []
    asked_own = await client.get("/orders", params={"channel": "shop-eu"}, headers=shop)
    assert len(asked_own.json()["items"]) == 2

    assert (await client.get(f"/orders/{own['id']}", headers=shop)).status_code == 200
    for order in (other, callcentre):
        assert_problem(await client.get(f"/orders/{order['id']}", headers=shop), 404)
        assert_problem(await client.post(f"/orders/{order['id']}/cancel", headers=shop), 404)
    # Its own orders it may change.
    r = await client.post(f"/orders/{own['id']}/hold", json={"reason": "stock"}, headers=shop)
    assert r.status_code == 200, r.text
    timeline = (await client.get(f"/orders/{own['id']}", headers=shop)).json()["timeline"]
    assert timeline[-1]["actor"] == "key:shop-eu-sync"
    assert timeline[0]["actor"] == "key:shop-eu-sync"

    # The admin still sees everything.
    everything = (await client.get("/orders", headers=auth)).json()["items"]
    assert len(everything) == 4
    unchanged = (await client.get(f"/orders/{other['id']}", headers=auth)).json()
    assert unchanged["status"] == "received"


async def test_health_and_ready_need_no_key(client: AsyncTestClient) -> None:
    r = await client.get("/health")
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "ok"}
    r = await client.get("/ready")
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "ready"}


async def test_jobs_need_admin(client: AsyncTestClient, auth: dict[str, str], db: Database) -> None:
    writer = await new_key(db, "ops-writer", "orders:write")
    assert (
        await client.post("/orders", json=load("order_minimal"), headers=writer)
    ).status_code == 201
    problem = assert_problem(await client.get("/jobs", headers=writer), 403)
    assert "admin" in problem["detail"]
    assert_problem(await client.post("/jobs/1/replay", headers=writer), 403)
    channel = await new_key(db, "shop", "channel:shop-eu")
    assert_problem(await client.get("/jobs", headers=channel), 403)

    r = await client.get("/jobs", headers=auth)
    assert r.status_code == 200, r.text
    assert [j["kind"] for j in r.json()["items"]] == ["order.accept"]


async def test_the_key_never_comes_back(
    client: AsyncTestClient, admin_key: str, db: Database
) -> None:
    _, shop_key = await key_service.create(db, "shop", ["channel:shop-eu"])
    _, reader_key = await key_service.create(db, "reader", ["orders:read"])
    secrets = [admin_key, shop_key, reader_key]
    seen: list[httpx.Response] = []

    async def call(method: str, url: str, key: str | None, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        r = await client.request(method, url, headers=headers, **kwargs)
        seen.append(r)
        return r

    created = await call("POST", "/orders", admin_key, json=load("order_callcentre"))
    order_id = created.json()["id"]
    await call("POST", "/orders", shop_key, json=load("order_minimal"))
    await call("POST", "/orders", shop_key, json=load("order_minimal") | {"channel": "x"})
    await call("POST", "/orders", reader_key, json=load("order_minimal"))
    await call("POST", "/orders", admin_key, json=load("order_minimal") | {"currency": "ZZZ"})
    await call(
        "POST", "/orders", admin_key, content=b"{", headers={"Content-Type": "application/json"}
    )
    await call(
        "POST",
        "/orders",
        admin_key,
        json=load("order_callcentre"),
        headers={"Idempotency-Key": "k1"},
    )
    await call(
        "POST", "/orders", admin_key, json=load("order_minimal"), headers={"Idempotency-Key": "k1"}
    )
    await call("GET", "/orders", admin_key)
    await call("GET", "/orders", shop_key)
    await call("GET", f"/orders/{order_id}", admin_key)
    await call("GET", f"/orders/{order_id}", shop_key)
    await call("POST", f"/orders/{order_id}/hold", admin_key, json={"reason": "check"})
    await call("POST", f"/orders/{order_id}/release", admin_key, json={"reason": "ok"})
    await call("POST", "/orders", admin_key, json=load("order_callcentre") | {"note": "changed"})
    await call("GET", f"/orders/{order_id}", reader_key)
    await call("POST", f"/orders/{order_id}/cancel", reader_key)
    await call("GET", "/jobs", admin_key)
    await call("GET", "/jobs", shop_key)
    await call("GET", "/orders", None)
    await call("GET", "/orders", f"{admin_key}0")
    await call("GET", "/orders", None, headers={"Authorization": f"Basic {admin_key}"})
    await call("GET", "/schema/openapi.json", None)

    assert {r.status_code for r in seen} >= {200, 201, 401, 403, 404, 409, 422, 400}
    for r in seen:
        text = r.text
        header_text = " ".join(f"{k}: {v}" for k, v in r.headers.items())
        for secret in secrets:
            assert secret not in text, (r.request.method, r.request.url, r.status_code)
            assert secret not in header_text
            assert secret.removeprefix("hub_") not in text
