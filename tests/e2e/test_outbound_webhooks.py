"""Outbound webhooks end to end: the real app with its worker, a real HTTP receiver on
127.0.0.1 that verifies every signature with the ``standardwebhooks`` library, on SQLite and
PostgreSQL.

Subscriptions are made over the API; events come from real order writes (the timeline tap);
the worker delivers through the outbox. Waits poll for what the receiver saw, with a
generous deadline, and assert on what arrived.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient
from standardwebhooks import Webhook

from hub.api.app import create_app
from hub.config import Settings
from hub.services import keys as key_service
from hub.store.database import Database
from tests.e2e.test_fulfilment_api import order
from tests.support.webhook_receiver import Receiver, receiving

Auth = dict[str, str]


@pytest.fixture
def hook_settings(settings: Settings) -> Settings:
    return msgspec.structs.replace(
        settings, webhook_allow_http_loopback=True, webhook_cache_seconds=0.0001
    )


@pytest.fixture
async def app_client(hook_settings: Settings) -> AsyncIterator[AsyncTestClient]:
    """The app with its own job worker, as ``hub serve`` runs it."""
    async with AsyncTestClient(app=create_app(hook_settings, run_worker=True)) as c:
        yield c


@pytest.fixture
async def admin(db: Database) -> Auth:
    _, plain = await key_service.create(db, "admin", ["admin"])
    return {"Authorization": f"Bearer {plain}"}


async def until(check: Callable[[], Any], seconds: float = 20.0) -> Any:
    """Poll ``check`` until it returns something truthy (the deadline only ends a hang)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if asyncio.iscoroutine(found):
            found = await found
        if found:
            return found
        await asyncio.sleep(0.02)
    raise AssertionError("timed out waiting")


async def subscribe(
    client: AsyncTestClient, auth: Auth, url: str, *types: str, **more: Any
) -> dict[str, Any]:
    body = {"url": url, "event_types": list(types) or ["order.created"], **more}
    r = await client.post("/subscriptions", json=body, headers=auth)
    assert r.status_code == 201, r.text
    sub: dict[str, Any] = r.json()
    return sub


async def place(client: AsyncTestClient, auth: Auth, external_id: str) -> str:
    r = await client.post("/orders", json=order(external_id, ("TEE", 1)), headers=auth)
    assert r.status_code == 201, r.text
    order_id: str = r.json()["id"]
    return order_id


def events(receiver: Receiver, event_type: str) -> list[dict[str, Any]]:
    return [
        msgspec.json.decode(s.body)
        for s in receiver.seen
        if msgspec.json.decode(s.body)["type"] == event_type
    ]


async def test_order_events_arrive_signed_and_are_recorded(
    app_client: AsyncTestClient, admin: Auth
) -> None:
    with receiving() as rx:
        sub = await subscribe(
            app_client, admin, rx.url("/ok"), "order.created", "order.status_changed"
        )
        assert sub["secret"].startswith("whsec_")
        rx.secrets.append(sub["secret"])
        order_id = await place(app_client, admin, "WH-1")
        created = await until(lambda: events(rx, "order.created"))
        await until(lambda: events(rx, "order.status_changed"))  # received -> accepted
    (event,) = created
    assert event["data"]["order_id"] == order_id
    assert event["data"]["kind"] == "received"
    assert set(event) == {"type", "timestamp", "data"}
    seen = rx.seen[0]
    assert seen.verified_with == [0]  # the receiver's standardwebhooks check passed
    Webhook(sub["secret"]).verify(seen.body, seen.headers)  # and again, here
    assert seen.headers["webhook-id"] and seen.headers["webhook-timestamp"]
    r = await app_client.get(f"/subscriptions/{sub['id']}", headers=admin)
    assert r.status_code == 200 and "secret" not in r.json()  # shown once
    listed = await until(lambda: _delivered(app_client, admin, sub["id"], 2))
    assert {d["http_status"] for d in listed} == {204}
    assert all(d["response_ms"] is not None and d["attempts"] == 1 for d in listed)
    assert {d["id"] for d in listed} == {s.headers["webhook-id"] for s in rx.seen}


async def _delivered(
    client: AsyncTestClient, auth: Auth, sub_id: str, n: int
) -> list[dict[str, Any]] | None:
    r = await client.get(f"/subscriptions/{sub_id}/deliveries", headers=auth)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    done = [d for d in items if d["status"] == "delivered"]
    return done if len(done) >= n else None


async def test_rotation_signs_with_both_secrets_for_a_day(
    app_client: AsyncTestClient, admin: Auth
) -> None:
    with receiving() as rx:
        sub = await subscribe(app_client, admin, rx.url("/ok"))
        r = await app_client.post(f"/subscriptions/{sub['id']}/rotate-secret", headers=admin)
        assert r.status_code == 200, r.text
        rotated = r.json()
        assert rotated["secret"] != sub["secret"]
        assert rotated["previous_secret_valid_until"] is not None
        rx.secrets.extend([sub["secret"], rotated["secret"]])
        await place(app_client, admin, "WH-ROT")
        await until(lambda: rx.seen)
    (seen,) = rx.seen
    assert seen.verified_with == [0, 1]  # old and new both verify
    assert len(seen.headers["webhook-signature"].split()) == 2
    for secret in (sub["secret"], rotated["secret"]):
        Webhook(secret).verify(seen.body, seen.headers)


@pytest.mark.parametrize(
    ("url", "more", "reason"),
    [
        ("ftp://hooks.example.com/x", {}, "must be https"),
        ("https://127.0.0.1:9/x", {}, "loopback address"),
        ("https://localhost:9/x", {}, "loopback address"),
        ("https://10.1.2.3/x", {}, "private address"),
        ("https://169.254.169.254/latest", {}, "link-local address"),
        ("https://user:pw@127.0.0.1/x", {"allow_private": True}, "credentials"),
        ("http://192.168.1.10/x", {"allow_private": True}, "must be https"),
    ],
)
async def test_unsafe_urls_are_refused_at_create(
    client: AsyncTestClient, auth: Auth, url: str, more: dict[str, Any], reason: str
) -> None:
    body = {"url": url, "event_types": ["order.created"], **more}
    r = await client.post("/subscriptions", json=body, headers=auth)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["errors"][0]["field"] == "url"
    assert reason in problem["errors"][0]["reason"]


async def test_private_address_allowed_when_the_subscription_says_so(
    client: AsyncTestClient, auth: Auth
) -> None:
    body = {"url": "https://127.0.0.1:9/x", "event_types": ["job.dead"], "allow_private": True}
    r = await client.post("/subscriptions", json=body, headers=auth)
    assert r.status_code == 201, r.text
    assert r.json()["allow_private"] is True


async def test_unknown_event_type_is_refused_naming_the_field(
    client: AsyncTestClient, auth: Auth
) -> None:
    body = {"url": "https://127.0.0.1/x", "event_types": ["order.eaten"], "allow_private": True}
    r = await client.post("/subscriptions", json=body, headers=auth)
    assert r.status_code in (400, 422), r.text
    assert "event_types" in r.text


async def test_replay_one_and_all_failed(
    hook_settings: Settings, db: Database, admin: Auth
) -> None:
    quick = msgspec.structs.replace(hook_settings, partner_retry_hours=0.001)  # dead at once
    async with AsyncTestClient(app=create_app(quick, run_worker=True)) as client:
        with receiving() as rx:
            sub = await subscribe(client, admin, rx.url("/switch"))
            await place(client, admin, "WH-R1")
            await place(client, admin, "WH-R2")
            path = f"/subscriptions/{sub['id']}/deliveries"
            dead = await until(lambda: _in_state(client, admin, path, "dead", 2))
            assert {d["http_status"] for d in dead} == {503}
            assert all("503" in d["error"] for d in dead)
            rx.switch = 204
            first = dead[0]["id"]
            r = await client.post(f"{path}/{first}/replay", headers=admin)
            assert r.status_code == 200 and r.json()["status"] == "pending", r.text
            await until(lambda: _in_state(client, admin, path, "delivered", 1))
            r = await client.post(f"/subscriptions/{sub['id']}/replay?state=failed", headers=admin)
            assert r.json() == {"replayed": 1}
            delivered = await until(lambda: _in_state(client, admin, path, "delivered", 2))
            r = await client.post(f"{path}/{first}/replay", headers=admin)  # delivered: again
            assert r.status_code == 200
            await until(lambda: sum(s.headers["webhook-id"] == first for s in rx.seen) == 3)
        assert {d["id"] for d in delivered} == {d["id"] for d in dead}
        r = await client.post(f"/subscriptions/{sub['id']}/replay?state=dead", headers=admin)
        assert r.status_code == 422, r.text
        assert r.json()["errors"] == [
            {"field": "state", "reason": "must be failed (the dead deliveries)"}
        ]


async def _in_state(
    client: AsyncTestClient, auth: Auth, path: str, state: str, n: int
) -> list[dict[str, Any]] | None:
    r = await client.get(path, params={"state": state}, headers=auth)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items if len(items) >= n else None


async def test_hanging_subscriber_slows_neither_another_nor_the_orders(
    app_client: AsyncTestClient, admin: Auth
) -> None:
    """Twelve orders; one subscriber hangs on every delivery (10 s each), the other answers.
    The healthy one gets each delivery within 2 s of its order's commit, while the hanging
    ones still hang, and every order is accepted meanwhile."""
    with receiving() as stuck, receiving() as healthy:
        await subscribe(app_client, admin, stuck.url("/hang"))
        sub = await subscribe(app_client, admin, healthy.url("/ok"))
        healthy.secrets.append(sub["secret"])
        committed: dict[str, float] = {}
        for i in range(12):
            order_id = await place(app_client, admin, f"WH-H{i}")
            committed[order_id] = time.monotonic()
        await until(lambda: len(events(healthy, "order.created")) == 12)
        assert not stuck.release.is_set() and stuck.seen  # still hanging
        assert all(s.verified_with == [0] for s in healthy.seen)
        waited = {msgspec.json.decode(s.body)["data"]["order_id"]: s.at for s in healthy.seen}
        for order_id in committed:
            await until(lambda o=order_id: _accepted(app_client, admin, o))
    slowest = max(waited[o] - t for o, t in committed.items())
    assert slowest < 2.0, f"the healthy subscriber waited up to {slowest:.2f} s"


async def _accepted(client: AsyncTestClient, auth: Auth, order_id: str) -> bool:
    r = await client.get(f"/orders/{order_id}", headers=auth)
    return bool(r.json()["status"] != "received")


async def test_delete_stops_deliveries_and_hides_it(client: AsyncTestClient, auth: Auth) -> None:
    body = {"url": "https://127.0.0.1:9/x", "event_types": ["job.dead"], "allow_private": True}
    sub = (await client.post("/subscriptions", json=body, headers=auth)).json()
    r = await client.delete(f"/subscriptions/{sub['id']}", headers=auth)
    assert r.status_code == 204, r.text
    assert (await client.get(f"/subscriptions/{sub['id']}", headers=auth)).status_code == 404
    listed = (await client.get("/subscriptions", headers=auth)).json()
    assert listed == {"items": [], "next_cursor": None}
