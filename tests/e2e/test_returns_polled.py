"""Returns and refunds the hub polls for, into the real app and worker on SQLite and
PostgreSQL, with eBay and Amazon faked at their edge (respx):

- eBay's post-order returns open a hub return (reason mapped, the buyer's words kept) and
  move it as eBay's status moves; the same status polled again changes nothing;
- Amazon's own refunds (listFinancialEvents) are recorded once as refund transactions; one
  that matches a received hub return moves it to ``refunded`` and the credit note covers the
  units it received (the order was invoiced on shipment).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from click.testing import CliRunner
from litestar.testing import AsyncTestClient
from sqlalchemy import update

from connectors.amazon.tests import fake_amazon
from connectors.amazon.tests.fake_amazon import UNSHIPPED, FakeAmazon
from hub.bootstrap import Hub
from hub.cli import main
from hub.clock import utcnow
from hub.config import Settings
from hub.sdk import ReportedRefund
from hub.services.intake import polling, return_reports
from hub.store.tables import jobs
from tests.support.documents import client_and_hub, config, configured, run_jobs

ROOT = Path(__file__).resolve().parents[2] / "connectors"
EBAY = "https://ebay.fake.test"
EBAY_TOKEN = "v^1.1#i^1#test-user-token"
FAST = {"rate": 1000.0, "burst": 1000.0}
CONNECTIONS: list[dict[str, Any]] = [
    {
        "code": "amazon-us", "connector": "amazon", "base_url": fake_amazon.BASE,
        "settings": {
            "marketplace_ids": ["ATVPDKIKX0DER"], "start": "2025-03-14T00:00:00Z",
            "lwa_url": fake_amazon.LWA_URL,
            "rate_limits": {"getOrders": FAST, "getOrderItems": FAST,
                            "listFinancialEvents": FAST, "confirmShipment": FAST},
        },
        "secrets": {k: {"env": f"POLLED_AMAZON_{k.upper()}"} for k in fake_amazon.SECRETS},
    },
    {
        "code": "ebay-at", "connector": "ebay", "base_url": EBAY,
        "settings": {"start": "2025-03-14T00:00:00Z"},
        "secrets": {"access_token": {"env": "POLLED_EBAY_TOKEN"}},
    },
]  # fmt: skip


@pytest.fixture
async def polled(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[AsyncTestClient, Hub]]:
    for name, value in fake_amazon.SECRETS.items():
        monkeypatch.setenv(f"POLLED_AMAZON_{name.upper()}", value)
    monkeypatch.setenv("POLLED_EBAY_TOKEN", EBAY_TOKEN)
    async for pair in client_and_hub(configured(settings, tmp_path, config(CONNECTIONS))):
        yield pair


class FakeEbay:
    def __init__(self, router: respx.MockRouter) -> None:
        self.status = "RETURN_REQUESTED"
        self.searches: list[httpx.Request] = []
        fulfilments = r".*/shipping_fulfillment$"
        router.get(url__regex=fulfilments).mock(return_value=httpx.Response(200, json={}))
        router.post(url__regex=fulfilments).mock(return_value=httpx.Response(201))
        orders = (ROOT / "ebay" / "fixtures" / "getorders.json").read_bytes()
        router.get(url__startswith=f"{EBAY}/sell/fulfillment/v1/order").mock(
            return_value=httpx.Response(200, content=orders)
        )
        router.get(f"{EBAY}/post-order/v2/return/search").mock(side_effect=self.search)

    def search(self, request: httpx.Request) -> httpx.Response:
        self.searches.append(request)
        page = json.loads((ROOT / "ebay" / "fixtures" / "return_search.json").read_bytes())
        page["members"][0]["status"] = self.status
        return httpx.Response(200, json=page)


@pytest.fixture
def partners() -> Iterator[tuple[FakeEbay, FakeAmazon]]:
    with respx.mock(assert_all_called=False) as router:
        ebay = FakeEbay(router)  # its routes before Amazon's catch-all for its host
        yield ebay, FakeAmazon(router)


async def ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


async def shipped(c: AsyncTestClient, hub: Hub, auth: dict[str, str], code: str) -> str:
    """Poll the channel's order, ship it from ``main``; the order's id."""
    skus = ("TRK-POLE-CARB", "HDL-LMP-400", "CBL-USBC-2M", "CHG-GAN-65W")
    await ok(await c.post("/locations", json={"code": "main", "name": "Main", "priority": 1,
             "address": {"line1": "Lager 1", "city": "Berlin", "postal_code": "10117",
                         "country": "DE"}}, headers=auth), 201)  # fmt: skip
    moves = [{"kind": "receipt", "sku": s, "location": "main", "quantity": 10, "reason": "in"}
             for s in skus]  # fmt: skip
    await ok(await c.post("/stock/movements", json={"movements": moves}, headers=auth), 201)
    await polling.poll(hub.job_context(), code)
    await run_jobs(hub)
    (f,) = (await ok(await c.get("/fulfilments", headers=auth)))["items"]
    ship = {"carrier": "UPS", "tracking_number": "1Z0001"}
    await ok(await c.post(f"/fulfilments/{f['id']}/shipments", json=ship, headers=auth), 201)
    await run_jobs(hub)
    return str(f["order_id"])


async def poll_returns(hub: Hub, code: str, monkeypatch: pytest.MonkeyPatch, minutes: int) -> Any:
    """Poll as if ``minutes`` later (so that the next run's window is not empty), then
    process what it kept, now."""
    later = utcnow() + timedelta(minutes=minutes)
    with monkeypatch.context() as patch:
        patch.setattr(polling, "utcnow", lambda: later)
        summary = await polling.poll_returns(hub.job_context(), code)
    async with hub.db.write() as conn:  # its jobs were queued "later": due now
        await conn.execute(update(jobs).where(jobs.c.state != "done").values(run_at=utcnow()))
    await run_jobs(hub)
    return summary


async def test_ebay_returns_are_polled_into_hub_returns(
    polled: tuple[AsyncTestClient, Hub],
    auth: dict[str, str],
    partners: tuple[FakeEbay, FakeAmazon],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    c, hub = polled
    ebay, _ = partners
    order_id = await shipped(c, hub, auth, "ebay-at")

    first = await poll_returns(hub, "ebay-at", monkeypatch, 0)
    assert (first.new, ebay.searches[0].headers["authorization"]) == (1, f"IAF {EBAY_TOKEN}")
    (ret,) = (await ok(await c.get("/returns", headers=auth)))["items"]
    assert (ret["opened_by"], ret["external_id"], ret["status"], ret["reason"]) == (
        "channel", "5000124561", "requested", "damaged"
    )  # fmt: skip
    assert "One pole section is bent" in ret["note"] and ret["order_id"] == order_id
    assert [(ln["sku"], ln["quantity"]) for ln in ret["lines"]] == [("TRK-POLE-CARB", 1)]

    again = await poll_returns(hub, "ebay-at", monkeypatch, 1)  # the same status: kept once
    assert (again.new, again.seen) == (0, 1)
    ebay.status = "ITEM_SHIPPED"  # accepted and sent back: authorised, then in transit
    await poll_returns(hub, "ebay-at", monkeypatch, 2)
    got = await ok(await c.get(f"/returns/{ret['id']}", headers=auth))
    assert got["status"] == "in_transit"
    order = await ok(await c.get(f"/orders/{order_id}", headers=auth))
    kinds = [e["kind"] for e in order["timeline"] if e["kind"].startswith("return_")]
    assert kinds == ["return_requested", "return_authorised", "return_in_transit"]
    assert order["timeline"][-1]["detail"]["channel_state"] == "ITEM_SHIPPED"


async def test_amazon_refunds_are_recorded_once_and_settle_a_received_return(
    polled: tuple[AsyncTestClient, Hub],
    auth: dict[str, str],
    partners: tuple[FakeEbay, FakeAmazon],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    c, hub = polled
    _, amazon = partners
    order_id = await shipped(c, hub, auth, "amazon-us")
    body = {"lines": [{"sku": "CBL-USBC-2M", "quantity": 1}], "reason": "defective"}
    rid = await ok(await c.post(f"/orders/{order_id}/returns", json=body, headers=auth), 201)
    rid = rid["id"]
    await ok(await c.post(f"/returns/{rid}/authorise", json={}, headers=auth))
    one = {"location": "main", "lines": [{"sku": "CBL-USBC-2M", "quantity": 1,
                                          "grade": "sellable"}]}  # fmt: skip
    await ok(await c.post(f"/returns/{rid}/receive", json=one, headers=auth))

    await poll_returns(hub, "amazon-us", monkeypatch, 0)
    got = await ok(await c.get(f"/returns/{rid}", headers=auth))
    assert (got["status"], got["refund"]["state"], got["refund"]["amount"]) == (
        "refunded", "recorded", 1396
    )  # fmt: skip
    order = await ok(await c.get(f"/orders/{order_id}", headers=auth))
    refunds = [t for t in order["payment"]["transactions"] if t["kind"] == "refund"]
    assert [(t["amount"], t["reference"], t["source"]) for t in refunds] == [
        (1396, "52977114839881", "return")
    ]
    assert order["payment"]["refunded"] == 1396
    docs = (await ok(await c.get(f"/orders/{order_id}/documents", headers=auth)))["items"]
    assert [d["kind"] for d in docs] == ["invoice", "credit_note"]

    # a later window with the same refund (Amazon re-posts nothing; the hub asks again)
    amazon.finances = {None: amazon.finances[None]}
    await poll_returns(hub, "amazon-us", monkeypatch, 1)
    order = await ok(await c.get(f"/orders/{order_id}", headers=auth))
    assert order["payment"]["refunded"] == 1396
    assert len([e for e in order["timeline"] if e["kind"] == "return_refunded"]) == 1


async def test_an_amazon_refund_without_a_return_is_recorded_on_the_order(
    polled: tuple[AsyncTestClient, Hub],
    auth: dict[str, str],
    partners: tuple[FakeEbay, FakeAmazon],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    c, hub = polled
    order_id = await shipped(c, hub, auth, "amazon-us")
    await poll_returns(hub, "amazon-us", monkeypatch, 0)
    order = await ok(await c.get(f"/orders/{order_id}", headers=auth))
    (refund,) = [t for t in order["payment"]["transactions"] if t["kind"] == "refund"]
    assert (refund["amount"], refund["reference"], refund["source"]) == (
        1396, "52977114839881", "channel"
    )  # fmt: skip
    assert order["payment"]["status"] == "partially_refunded"
    entries = [e for e in order["timeline"] if e["kind"] == "payment"]
    assert entries[-1]["detail"]["reference"] == "52977114839881"

    # the same refund reported again (another message, a replay): recorded once
    again = ReportedRefund(refund_id="52977114839881", order_id=UNSHIPPED, currency="USD",
                           amount=1396)  # fmt: skip
    await hub.db.run_write(
        lambda conn: return_reports.apply_reports(conn, [again], channel="amazon-us", actor="t")
    )
    order = await ok(await c.get(f"/orders/{order_id}", headers=auth))
    assert order["payment"]["refunded"] == 1396


async def test_hub_poll_returns_polls_now(
    polled: tuple[AsyncTestClient, Hub], partners: tuple[FakeEbay, FakeAmazon]
) -> None:
    _, hub = polled
    env = {"HUB_DATABASE_URL": hub.settings.database_url, "HUB_CONFIG": hub.settings.config_path}
    done = await asyncio.to_thread(
        CliRunner().invoke, main, ["poll", "--returns", "ebay-at"], env=env
    )
    assert done.exit_code == 0, done.output
    assert done.stdout == "ebay-at: 1 page(s), 1 new, 0 seen before\n"
    assert len(partners[0].searches) == 1
