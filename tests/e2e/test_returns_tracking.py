"""A return parcel is followed through the outbound tracking path, on both databases: the
return label is bought from EasyPost (respx), and EasyPost's signed ``tracker.updated``
webhook for the label's tracking number moves the return ``authorised -> in_transit``, with a
``return_in_transit`` entry on the order's timeline. The same webhook again, or later news,
moves nothing more."""

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

from hub.api.app import create_app
from hub.bootstrap import Hub
from hub.config import Settings
from hub.sdk import hmac_sha256_hex
from tests.e2e.test_fulfilment_api import order, receive
from tests.e2e.test_returns_exchange import run_jobs

EASYPOST = Path(__file__).resolve().parents[2] / "connectors" / "easypost" / "fixtures"
TRACKER = (EASYPOST / "tracker_updated.json").read_bytes()
SIGNED = json.loads((EASYPOST / "tracker_updated.headers.json").read_text())
EP = "https://easypost.fake.test"
ADDRESS = {"line1": "Lager 1", "city": "Berlin", "postal_code": "10117", "country": "DE"}
CONFIG = {"connections": [{
    "code": "easypost", "connector": "easypost", "base_url": EP,
    "secrets": {"api_key": {"env": "RT_EP_KEY"}, "webhook_secret": {"env": "RT_EP_SECRET"}},
}]}  # fmt: skip
Auth = dict[str, str]


@pytest.fixture
def rt_settings(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    (tmp_path / "hub.yaml").write_text(json.dumps(CONFIG))
    monkeypatch.setenv("RT_EP_KEY", "EZTK")
    monkeypatch.setenv("RT_EP_SECRET", SIGNED["secret"])
    return msgspec.structs.replace(settings, config_path=str(tmp_path / "hub.yaml"))


@pytest.fixture
async def c(rt_settings: Settings) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=create_app(rt_settings, run_worker=False)) as client:
        yield client


@pytest.fixture
async def hub(rt_settings: Settings) -> AsyncIterator[Hub]:
    built = Hub.build(rt_settings)
    await built.start()
    yield built
    await built.close()


@pytest.fixture
def easypost() -> Iterator[list[Any]]:
    created = json.loads((EASYPOST / "shipment_created.json").read_text())
    bought = json.loads((EASYPOST / "shipment_bought.json").read_text())
    asked: list[Any] = []

    def create(request: httpx.Request) -> httpx.Response:
        asked.append(json.loads(request.content))
        return httpx.Response(201, json=created)

    with respx.mock(assert_all_called=False) as router:
        router.post(f"{EP}/v2/shipments").mock(side_effect=create)
        router.post(url__regex=rf"^{EP}/v2/shipments/[^/]+/buy$").mock(
            return_value=httpx.Response(200, json=bought)
        )
        router.get(bought["postage_label"]["label_url"]).mock(
            return_value=httpx.Response(200, content=b"\x89PNG label")
        )
        yield asked


async def tracker_webhook(c: AsyncTestClient, body: bytes) -> int:
    signature = "hmac-sha256-hex=" + hmac_sha256_hex(SIGNED["secret"].encode(), body)
    headers = {"X-Hmac-Signature": signature, "Content-Type": "application/json"}
    r = await c.post("/webhooks/easypost", content=body, headers=headers)
    return r.status_code


async def authorised_return(c: AsyncTestClient, auth: Auth, hub: Hub) -> tuple[str, str]:
    """A shipped call-centre order, its return authorised with an EasyPost return label."""
    loc = {"code": "main", "name": "Main", "priority": 1, "address": ADDRESS}
    assert (await c.post("/locations", json=loc, headers=auth)).status_code == 201
    await receive(c, auth, ("TEE", "main", 10))
    made = (await c.post("/orders", json=order("RT-1", ("TEE", 1)), headers=auth)).json()
    await run_jobs(hub)
    (f,) = (await c.get("/fulfilments", headers=auth)).json()["items"]
    ship = {"carrier": "DHL", "tracking_number": "OUT-1"}
    assert (await c.post(f"/fulfilments/{f['id']}/shipments", json=ship, headers=auth)).is_success
    body = {"lines": [{"sku": "TEE", "quantity": 1}], "reason": "defective"}
    rid = (await c.post(f"/orders/{made['id']}/returns", json=body, headers=auth)).json()["id"]
    parcel = {"parcel": {"weight_grams": 400}}
    r = await c.post(f"/returns/{rid}/authorise", json=parcel, headers=auth)
    assert r.status_code == 200, r.text
    await run_jobs(hub)
    return made["id"], rid


async def test_the_return_parcel_moves_in_transit_on_easypost_news(
    c: AsyncTestClient, hub: Hub, auth: Auth, easypost: list[Any]
) -> None:
    order_id, rid = await authorised_return(c, auth, hub)
    got = (await c.get(f"/returns/{rid}", headers=auth)).json()
    assert [b["shipment"]["is_return"] for b in easypost] == [True]
    tracking = got["label"]["tracking_number"]
    assert (got["status"], tracking) == (
        "authorised",
        json.loads(TRACKER)["result"]["tracking_code"],
    )

    assert await tracker_webhook(c, TRACKER) == 202  # EasyPost: in_transit
    await run_jobs(hub)
    got = (await c.get(f"/returns/{rid}", headers=auth)).json()
    assert got["status"] == "in_transit"
    timeline = (await c.get(f"/orders/{order_id}", headers=auth)).json()["timeline"]
    (moved,) = [e for e in timeline if e["kind"] == "return_in_transit"]
    assert moved["detail"]["tracking_number"] == tracking
    assert (moved["detail"]["from"], moved["detail"]["to"]) == ("authorised", "in_transit")

    assert await tracker_webhook(c, TRACKER) == 200  # the same event again: nothing new
    later = json.loads(TRACKER)
    later["id"] = "evt_return_delivered_0001"
    later["result"] |= {"status": "delivered", "status_detail": "arrived_at_destination"}
    assert await tracker_webhook(c, json.dumps(later).encode()) == 202
    await run_jobs(hub)
    assert (await c.get(f"/returns/{rid}", headers=auth)).json()["status"] == "in_transit"
    timeline = (await c.get(f"/orders/{order_id}", headers=auth)).json()["timeline"]
    assert [e["kind"] for e in timeline].count("return_in_transit") == 1
    one = {"location": "main", "lines": [{"sku": "TEE", "quantity": 1, "grade": "sellable"}]}
    r = await c.post(f"/returns/{rid}/receive", json=one, headers=auth)
    assert (r.status_code, r.json()["status"]) == (200, "received")
