"""Labels for the merchant's own warehouse: EasyPost rates, the rules' choice, the label
bought once and kept; a service level the rules allow no rate for is refused with why."""

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
from hub.worker import Worker
from tests.e2e.test_fulfilment_api import location, order, receive

FIXTURES = Path(__file__).resolve().parents[2] / "connectors" / "easypost" / "fixtures"
CREATED = json.loads((FIXTURES / "shipment_created.json").read_text())
BOUGHT = json.loads((FIXTURES / "shipment_bought.json").read_text())
BASE = "https://easypost.fake.test"
PNG = b"\x89PNG\r\n\x1a\nlabel"
RULES = """
rules: []
default:
  strategy: {}
carriers:
  service_level:
    standard: [USPS:GroundAdvantage, USPS:Priority]
    next_day: [UPS:NextDayAir]
"""
CONFIG = {
    "connections": [
        {
            "code": "easypost",
            "connector": "easypost",
            "base_url": BASE,
            "secrets": {
                "api_key": {"env": "LABEL_EASYPOST_KEY"},
                "webhook_secret": {"env": "LABEL_EASYPOST_SECRET"},
            },
        }
    ]
}
WAREHOUSE = {
    "line1": "200 Dock Rd",
    "city": "Newark",
    "region": "NJ",
    "postal_code": "07102",
    "country": "US",
}


@pytest.fixture
def label_settings(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    (tmp_path / "hub.yaml").write_text(json.dumps(CONFIG))
    (tmp_path / "routing.yaml").write_text(RULES)
    monkeypatch.setenv("LABEL_EASYPOST_KEY", "EZTK-test")
    monkeypatch.setenv("LABEL_EASYPOST_SECRET", "whsec")
    return msgspec.structs.replace(
        settings,
        config_path=str(tmp_path / "hub.yaml"),
        routing_path=str(tmp_path / "routing.yaml"),
    )


@pytest.fixture
async def client(label_settings: Settings) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=create_app(label_settings, run_worker=False)) as c:
        yield c


@pytest.fixture
async def hub(label_settings: Settings) -> AsyncIterator[Hub]:
    built = Hub.build(label_settings)
    await built.start()
    yield built
    await built.close()


@pytest.fixture
def easypost() -> Iterator[dict[str, list[Any]]]:
    seen: dict[str, list[Any]] = {"create": [], "buy": []}

    def create(request: httpx.Request) -> httpx.Response:
        seen["create"].append(json.loads(request.content))
        return httpx.Response(201, json=CREATED)

    def buy(request: httpx.Request) -> httpx.Response:
        seen["buy"].append(json.loads(request.content))
        return httpx.Response(200, json=BOUGHT)

    with respx.mock(assert_all_called=False) as router:
        router.post(f"{BASE}/v2/shipments").mock(side_effect=create)
        router.post(url__regex=rf"^{BASE}/v2/shipments/[^/]+/buy$").mock(side_effect=buy)
        router.get(BOUGHT["postage_label"]["label_url"]).mock(
            return_value=httpx.Response(200, content=PNG)
        )
        yield seen


async def run(hub: Hub) -> None:
    worker = Worker(hub.db, hub.registry, hub.settings, context=hub.job_context())
    while await worker.run_once():
        pass


async def released(client: AsyncTestClient, auth: dict[str, str], hub: Hub, body: Any) -> str:
    r = await client.post("/orders", json=body, headers=auth)
    await run(hub)
    got = (await client.get(f"/orders/{r.json()['id']}", headers=auth)).json()
    assert got["status"] == "released"
    return next(e for e in got["timeline"] if e["kind"] == "route")["detail"]["fulfilments"][0][
        "id"
    ]


def us_order(external_id: str, level: str) -> Any:
    body = order(external_id, ("TEE", 1), country="US")
    body["shipping_address"] |= {"region": "OH", "postal_code": "43205", "name": "Dana"}
    body["shipping"] = {"service_level": level}
    return body


async def test_the_cheapest_allowed_rate_is_bought_once(
    client: AsyncTestClient, auth: dict[str, str], hub: Hub, easypost: dict[str, list[Any]]
) -> None:
    await location(client, auth, "nj", address=WAREHOUSE, country="US", region="NJ")
    await receive(client, auth, ("TEE", "nj", 5))
    fid = await released(client, auth, hub, us_order("L-1", "standard"))

    r = await client.post(
        f"/fulfilments/{fid}/label", json={"parcel": {"weight_grams": 540}}, headers=auth
    )
    assert (r.status_code, r.json()) == (
        202,
        {"fulfilment_id": fid, "carrier_connection": "easypost", "status": "queued"},
    )
    await run(hub)
    sent = easypost["create"][0]["shipment"]
    assert sent["from_address"]["city"] == "Newark" and sent["to_address"]["zip"] == "43205"
    # GroundAdvantage (5.93) is allowed and cheaper than Priority (9.45); Express is not allowed.
    ground = next(x for x in CREATED["rates"] if x["service"] == "GroundAdvantage")
    assert easypost["buy"] == [{"rate": {"id": ground["id"]}}]
    got = (await client.get(f"/fulfilments/{fid}", headers=auth)).json()
    assert (got["carrier"], got["service"], got["label_tracking_number"]) == (
        "USPS",
        "GroundAdvantage",
        BOUGHT["tracking_code"],
    )
    r = await client.get(f"/fulfilments/{fid}/label", headers=auth)
    assert (r.status_code, r.content, r.headers["content-type"]) == (200, PNG, "image/png")

    again = await client.post(
        f"/fulfilments/{fid}/label", json={"parcel": {"weight_grams": 540}}, headers=auth
    )
    assert again.status_code == 409
    assert len(easypost["buy"]) == 1


async def test_a_service_level_without_an_allowed_rate_is_refused_with_why(
    client: AsyncTestClient, auth: dict[str, str], hub: Hub, easypost: dict[str, list[Any]]
) -> None:
    await location(client, auth, "nj", address=WAREHOUSE, country="US", region="NJ")
    await receive(client, auth, ("TEE", "nj", 5))
    fid = await released(client, auth, hub, us_order("L-2", "next_day"))
    bad = await client.post(f"/fulfilments/{fid}/label", json={"parcel": {}}, headers=auth)
    assert bad.status_code == 422 and "weight_grams" in bad.text
    r = await client.post(
        f"/fulfilments/{fid}/label",
        json={"parcel": {"weight_grams": 540}, "carrier_connection": "ups"},
        headers=auth,
    )
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "carrier_connection", "reason": "not a label-buying connection"}
    ]
    r = await client.post(
        f"/fulfilments/{fid}/label", json={"parcel": {"weight_grams": 540}}, headers=auth
    )
    assert r.status_code == 202
    await run(hub)
    assert easypost["buy"] == []
    dead = (await client.get("/jobs?state=dead", headers=auth)).json()["items"]
    assert [j["kind"] for j in dead] == ["fulfilment.label"]
    assert "no rate the rules allow for service level next_day" in dead[0]["last_error"]
    assert "USPS GroundAdvantage" in dead[0]["last_error"]
