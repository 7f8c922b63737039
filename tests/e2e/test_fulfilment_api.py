"""The merchant's own warehouse over HTTP, splits, partial shipments, and a 3PL fulfilment
that is retried after the partner took the first request, or cancelled with its order."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
import respx
from litestar.testing import AsyncTestClient

from connectors.shipbob.tests.support import FakeShipBob
from hub.api.app import create_app
from hub.bootstrap import Hub
from hub.config import Settings
from hub.services import keys as key_service
from hub.store.database import Database
from hub.worker import Worker

Body = dict[str, Any]


def order(external_id: str, *lines: tuple[str, int], country: str = "GB") -> Body:
    body = [
        {"line_id": str(i), "sku": s, "name": s.title(), "quantity": q, "unit_price": 1000}
        for i, (s, q) in enumerate(lines, start=1)
    ]
    subtotal = sum(1000 * q for _, q in lines)
    return {
        "external_id": external_id,
        "currency": "EUR",
        "customer": {"name": "Ada Lovelace", "email": "ada@example.com"},
        "shipping_address": {"line1": "1 Way", "city": "London", "country": country},
        "lines": body,
        "totals": {"subtotal": subtotal, "total": subtotal},
        "payment": {"status": "paid"},  # captured in full: the call centre releases it
    }


async def location(client: AsyncTestClient, auth: dict[str, str], code: str, **more: Any) -> None:
    body = {"code": code, "name": code, **more}
    r = await client.post("/locations", json=body, headers=auth)
    assert r.status_code == 201, r.text


async def receive(
    client: AsyncTestClient, auth: dict[str, str], *moves: tuple[str, str, int]
) -> None:
    movements = [
        {"kind": "receipt", "sku": s, "location": loc, "quantity": n, "reason": "in"}
        for s, loc, n in moves
    ]
    r = await client.post("/stock/movements", json={"movements": movements}, headers=auth)
    assert r.status_code == 201, r.text


async def drain(db: Database, settings: Settings, context: Any = None) -> None:
    from hub.bootstrap import build_registry

    registry = build_registry(settings, getattr(context, "connections", None))
    worker = Worker(db, registry, settings, context=context)
    while await worker.run_once():
        pass


async def test_own_warehouse_ships_in_two_parcels(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    await location(client, auth, "own", priority=1)
    await receive(client, auth, ("TEE", "own", 5), ("MUG", "own", 5))
    r = await client.post("/orders", json=order("W-1", ("TEE", 2), ("MUG", 1)), headers=auth)
    order_id = r.json()["id"]
    await drain(db, settings)

    work = (await client.get("/fulfilments?location=own&status=open", headers=auth)).json()["items"]
    assert len(work) == 1
    f = work[0]
    assert (f["order_id"], f["status"], f["connection"]) == (order_id, "open", None)
    assert [(x["sku"], x["quantity"], x["shipped"]) for x in f["lines"]] == [
        ("TEE", 2, 0),
        ("MUG", 1, 0),
    ]
    assert f["ship_to"]["city"] == "London"  # the warehouse needs the address

    _, packer = await key_service.create(db, "packer", ["fulfilment:write"])
    _, reader = await key_service.create(db, "reader", ["orders:read"])
    packing = {"Authorization": f"Bearer {packer}"}
    url = f"/fulfilments/{f['id']}/shipments"
    parcel = {
        "carrier": "DHL",
        "tracking_number": "JD0001",
        "lines": [{"sku": "TEE", "quantity": 1}],
    }
    no = await client.post(url, json=parcel, headers={"Authorization": f"Bearer {reader}"})
    assert no.status_code == 403

    # Bad lines are named and nothing ships.
    too_many = {**parcel, "lines": [{"sku": "TEE", "quantity": 3}]}
    r = await client.post(url, json=too_many, headers=packing)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "lines[0].quantity"
    unknown = {**parcel, "lines": [{"sku": "HAT", "quantity": 1}]}
    r = await client.post(url, json=unknown, headers=packing)
    assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "lines[0].sku")

    r = await client.post(url, json=parcel, headers=packing)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "partially_shipped"
    got = (await client.get(f"/orders/{order_id}", headers=auth)).json()
    assert got["status"] == "partially_shipped"
    tee = (await client.get("/stock/TEE", headers=auth)).json()
    assert (tee["on_hand"], tee["reserved"]) == (4, 1)

    # The same parcel again is the same parcel: nothing ships twice.
    again = await client.post(url, json=parcel, headers=packing)
    assert again.status_code == 201
    tee = (await client.get("/stock/TEE", headers=auth)).json()
    assert (tee["on_hand"], tee["reserved"]) == (4, 1)

    # The rest, without lines: everything left.
    rest = {"carrier": "DHL", "tracking_number": "JD0002", "estimated_delivery": "2025-03-20"}
    r = await client.post(url, json=rest, headers=packing)
    assert r.status_code == 201, r.text
    done = r.json()
    assert done["status"] == "shipped"
    assert [(x["sku"], x["shipped"]) for x in done["lines"]] == [("TEE", 2), ("MUG", 1)]
    assert [p["lines"] for p in done["shipments"]] == [{"TEE": 1}, {"TEE": 1, "MUG": 1}]
    got = (await client.get(f"/orders/{order_id}", headers=auth)).json()
    assert got["status"] == "shipped"
    assert [e["to_status"] for e in got["timeline"] if e["kind"] == "status"] == [
        "partially_shipped",
        "shipped",
    ]
    nothing_left = await client.post(
        url, json={**rest, "tracking_number": "JD0003"}, headers=packing
    )
    assert nothing_left.status_code == 409
    open_work = await client.get("/fulfilments?location=own&status=open", headers=auth)
    assert open_work.json() == {"items": [], "next_cursor": None}

    page = (await client.get(f"/track/{got['public_ref']}")).json()
    assert [(p["tracking_number"], p["items"]) for p in page["parcels"]] == [
        ("JD0001", 1),
        ("JD0002", 2),
    ]
    assert page["parcels"][1]["estimated_delivery"] == "2025-03-20"
    assert "Lovelace" not in json.dumps(page) and "London" not in json.dumps(page)


async def test_an_order_no_one_location_can_ship_is_split(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    await location(client, auth, "a", priority=1)
    await location(client, auth, "b", priority=2)
    await receive(client, auth, ("TEE", "a", 2), ("MUG", "b", 1))
    r = await client.post("/orders", json=order("W-2", ("TEE", 2), ("MUG", 1)), headers=auth)
    await drain(db, settings)
    got = (await client.get(f"/orders/{r.json()['id']}", headers=auth)).json()
    assert got["status"] == "released"
    route = next(e for e in got["timeline"] if e["kind"] == "route")
    assert route["detail"]["reason"] == "default: split over 2 locations (a, b)"
    assert sorted(
        (f["location"], [(x["sku"], x["quantity"]) for x in f["lines"]])
        for f in route["detail"]["fulfilments"]
    ) == [("a", [("TEE", 2)]), ("b", [("MUG", 1)])]


# --------------------------------------------------------------------------- a 3PL

SHIPBOB = {
    "connections": [
        {
            "code": "shipbob",
            "connector": "shipbob",
            "settings": {"channel_id": "100102"},
            "secrets": {
                "access_token": {"env": "API_SHIPBOB_TOKEN"},
                "webhook_secret": {"env": "API_SHIPBOB_SECRET"},
            },
        }
    ]
}


@pytest.fixture
def tpl_settings(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    config = tmp_path / "hub.yaml"
    config.write_text(json.dumps(SHIPBOB))
    monkeypatch.setenv("API_SHIPBOB_TOKEN", "pat-test")
    monkeypatch.setenv("API_SHIPBOB_SECRET", "whsec_dGVzdA==")
    # retries wait long enough that the test, not the clock, decides when one runs
    return msgspec.structs.replace(
        settings,
        config_path=str(config),
        job_backoff_base_seconds=60.0,
        job_backoff_cap_seconds=3600.0,  # the conftest's 0.05 s cap would win over the base
    )


@pytest.fixture
async def tpl_client(tpl_settings: Settings) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=create_app(tpl_settings, run_worker=False)) as c:
        yield c


@pytest.fixture
async def hub(tpl_settings: Settings) -> AsyncIterator[Hub]:
    built = Hub.build(tpl_settings)
    await built.start()
    yield built
    await built.close()


@pytest.fixture
def shipbob() -> Iterator[FakeShipBob]:
    with respx.mock(assert_all_called=False) as router:
        fake = FakeShipBob()
        fake.install(router)
        yield fake


async def run(hub: Hub) -> None:
    worker = Worker(hub.db, hub.registry, hub.settings, context=hub.job_context())
    while await worker.run_once():
        pass


async def test_a_retried_send_after_a_lost_answer_makes_one_shipbob_order(
    tpl_client: AsyncTestClient, auth: dict[str, str], hub: Hub, shipbob: FakeShipBob
) -> None:
    client = tpl_client
    await location(client, auth, "sb", kind="3pl", connection="shipbob", priority=1)
    await receive(client, auth, ("TEE", "sb", 5))

    lost = []

    def lose_first(request: httpx.Request) -> None:
        # ShipBob stored the order; then the hub's side died before it heard the answer
        # (a crash, or a timeout after the partner's retries ran out).
        if not lost:
            lost.append(request)
            raise RuntimeError("the worker died waiting for ShipBob's answer")

    shipbob.after_create = lose_first
    r = await client.post("/orders", json=order("W-3", ("TEE", 1)), headers=auth)
    await run(hub)  # the send fails once: ShipBob has the order, the hub does not know
    jobs = (await client.get("/jobs?state=retrying", headers=auth)).json()
    send = [j for j in jobs["items"] if j["kind"] == "fulfilment.send"]
    assert len(send) == 1 and send[0]["attempts"] == 1
    assert send[0]["state"] == "retrying" and send[0]["next_attempt_at"] is not None
    assert len(shipbob.orders) == 1

    # The retry is due; ShipBob answers that reference is taken; the hub adopts the order.
    async with hub.db.write() as conn:
        from sqlalchemy import update

        from hub.clock import utcnow
        from hub.store.tables import jobs as jobs_table

        await conn.execute(
            update(jobs_table).where(jobs_table.c.id == send[0]["id"]).values(run_at=utcnow())
        )
    await run(hub)
    assert len(shipbob.orders) == 1
    ((ref, placed),) = shipbob.orders.items()
    got = (await client.get(f"/orders/{r.json()['id']}", headers=auth)).json()
    f = (await client.get(f"/fulfilments/{ref}", headers=auth)).json()
    assert (f["status"], f["partner_ref"]) == ("accepted", str(placed["id"]))
    assert [e["kind"] for e in got["timeline"]].count("fulfilment_sent") == 1

    # Cancelling the order cancels the fulfilment at ShipBob.
    assert (await client.post(f"/orders/{got['id']}/cancel", headers=auth)).status_code == 200
    await run(hub)
    cancels = [q for q in shipbob.requests if q.url.path.endswith(":cancel")]
    assert [q.url.path for q in cancels] == [f"/2025-07/order/{placed['id']}:cancel"]
    f = (await client.get(f"/fulfilments/{ref}", headers=auth)).json()
    assert f["status"] == "cancelled"
