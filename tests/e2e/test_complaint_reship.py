"""A complaint about a damaged item is reshipped: the new no-charge order, linked to the
original, is reserved and routed like any order, so a new fulfilment goes to the 3PL
(ShipBob, faked at its edge with respx); the figures count the complaint against the
original parcel's carrier and location. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
import respx
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from connectors.shipbob.tests.support import FakeShipBob
from hub.api.app import create_app
from hub.bootstrap import Hub
from hub.clock import utcnow
from hub.config import Settings
from hub.store.tables import orders
from hub.worker import Worker
from tests.e2e.test_complaints_api import fulfilments_of
from tests.e2e.test_fulfilment_api import order

CONFIG = {
    "connections": [
        {
            "code": "shipbob",
            "connector": "shipbob",
            "settings": {"channel_id": "100102"},
            "secrets": {
                "access_token": {"env": "RESHIP_SHIPBOB_TOKEN"},
                "webhook_secret": {"env": "RESHIP_SHIPBOB_SECRET"},
            },
        }
    ]
}


@pytest.fixture
def reship_settings(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    path = tmp_path / "hub.yaml"
    path.write_text(json.dumps(CONFIG))
    monkeypatch.setenv("RESHIP_SHIPBOB_TOKEN", "pat-reship")
    monkeypatch.setenv("RESHIP_SHIPBOB_SECRET", "whsec-reship")
    return msgspec.structs.replace(settings, config_path=str(path))


@pytest.fixture
async def client(reship_settings: Settings) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=create_app(reship_settings, run_worker=False)) as c:
        yield c


@pytest.fixture
async def hub(reship_settings: Settings) -> AsyncIterator[Hub]:
    built = Hub.build(reship_settings)
    await built.start()
    yield built
    await built.close()


@pytest.fixture
def shipbob() -> Iterator[FakeShipBob]:
    with respx.mock(assert_all_called=False) as router:
        fake = FakeShipBob()
        fake.install(router)
        yield fake


async def run_jobs(hub: Hub) -> None:
    worker = Worker(hub.db, hub.registry, hub.settings, context=hub.job_context())
    while await worker.run_once():
        pass


async def test_a_damaged_item_is_reshipped_through_the_3pl_and_counted_against_the_original(
    client: AsyncTestClient, auth: dict[str, str], hub: Hub, shipbob: FakeShipBob
) -> None:
    body: dict[str, Any] = {"code": "shipbob-il", "name": "ShipBob IL", "kind": "3pl",
                            "connection": "shipbob", "country": "US", "region": "IL"}  # fmt: skip
    assert (await client.post("/locations", json=body, headers=auth)).status_code == 201
    moves = [{"kind": "receipt", "sku": s, "location": "shipbob-il", "quantity": 10,
              "reason": "opening"} for s in ("LAMP", "BULB")]  # fmt: skip
    r = await client.post("/stock/movements", json={"movements": moves}, headers=auth)
    assert r.status_code == 201, r.text
    placed = order("CC-LAMP", ("LAMP", 1), ("BULB", 2), country="US")
    original = (await client.post("/orders", json=placed, headers=auth)).json()["id"]
    await run_jobs(hub)
    (sent,) = await fulfilments_of(client, auth, original)
    assert list(shipbob.orders) == [sent["id"]]
    lines = [{"sku": "LAMP", "quantity": 1}, {"sku": "BULB", "quantity": 2}]
    parcel = {"carrier": "USPS", "tracking_number": "9400100000000000000001", "lines": lines}
    r = await client.post(f"/fulfilments/{sent['id']}/shipments", json=parcel, headers=auth)
    assert r.status_code in (200, 201), r.text
    await run_jobs(hub)

    # The lamp arrived broken: reshipped.
    complaint = {"kind": "damaged", "description": "Lamp shade cracked",
                 "lines": [{"sku": "LAMP", "quantity": 1}]}  # fmt: skip
    r = await client.post(f"/orders/{original}/complaints", json=complaint, headers=auth)
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    r = await client.post(f"/complaints/{cid}/resolve", json={"outcome": "reship"}, headers=auth)
    assert r.status_code == 200, r.text
    outcome = r.json()["outcome"]
    reship = outcome["reship_order_id"]
    assert outcome["lines"] == [{"sku": "LAMP", "quantity": 1}]
    await run_jobs(hub)

    # A new order at no charge, linked, routed to ShipBob like any order.
    new = (await client.get(f"/orders/{reship}", headers=auth)).json()
    assert (new["status"], new["totals"]["total"], new["channel"]) == ("released", 0, "callcentre")
    assert [(ln["sku"], ln["quantity"], ln["unit_price"]) for ln in new["lines"]] == [
        ("LAMP", 1, 0)
    ]
    assert any(e["kind"] == "complaint_reship" and e["detail"]["original_order"] == original
               for e in new["timeline"])  # fmt: skip
    async with hub.db.read() as conn:
        link = (await conn.execute(select(orders.c.linked_order_id, orders.c.link_kind)
                                   .where(orders.c.id == reship))).one()  # fmt: skip
    assert tuple(link) == (original, "reship")
    (again,) = await fulfilments_of(client, auth, reship)
    assert again["location"] == "shipbob-il"
    assert list(shipbob.orders) == [sent["id"], again["id"]]
    assert [
        (p["reference_id"], p["quantity"]) for p in shipbob.orders[again["id"]]["products"]
    ] == [("LAMP", 1)]
    steps = (await client.get(f"/orders/{original}", headers=auth)).json()["timeline"]
    resolved = [e for e in steps if e["kind"] == "complaint_resolved"]
    assert resolved[0]["detail"]["reship_order_id"] == reship

    # Resolving again is refused; no second reship reaches the 3PL.
    r = await client.post(f"/complaints/{cid}/resolve", json={"outcome": "reship"}, headers=auth)
    assert r.status_code == 409, r.text
    await run_jobs(hub)
    assert len(shipbob.orders) == 2

    # The figures: against the original parcel's carrier and the 3PL that packed it.
    since = (utcnow().replace(year=utcnow().year - 1)).isoformat()
    got = (await client.get("/complaints/stats", params={"since": since}, headers=auth)).json()
    carrier = [
        (c["kind"], c["key"], c["complaints"], c["shipped_units"]) for c in got["by_carrier"]
    ]
    location = [(c["kind"], c["key"], c["complaints"]) for c in got["by_location"]]
    sku = [(c["kind"], c["key"], c["complaints"], c["shipped_units"]) for c in got["by_sku"]]
    assert carrier == [("damaged", "USPS", 1, 3)]
    assert location == [("damaged", "shipbob-il", 1)]
    assert sku == [("damaged", "LAMP", 1, 1)]
