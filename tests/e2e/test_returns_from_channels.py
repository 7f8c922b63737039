"""Returns a channel reports, over HTTP into the real app and worker, on SQLite and
PostgreSQL: Shopify's signed ``returns/*`` webhooks open, authorise, reject and close hub
returns; the same return twice is one; a return of an order the hub does not know is
quarantined with the reason."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import respx
from litestar.testing import AsyncTestClient

from hub.bootstrap import Hub
from hub.sdk import hmac_sha256_base64
from hub.services.intake import messages
from tests.e2e.test_returns_shopify import (
    ADDRESS,
    CREATE,
    GRAPHQL,
    SHOPIFY,
    SKU,
    FakeShop,
    hub,  # noqa: F401 (fixture)
    hub_client,  # noqa: F401 (fixture)
    hub_settings,  # noqa: F401 (fixture)
    ok,
    run_jobs,
)

RID = "9081123001"


@pytest.fixture
def shop() -> Iterator[FakeShop]:
    fake = FakeShop()
    with respx.mock(assert_all_called=False) as router:
        router.post(GRAPHQL).mock(side_effect=fake.answer)
        yield fake


async def hook(c: AsyncTestClient, body: bytes, topic: str, event: str) -> Any:
    headers = {**CREATE["headers"], "X-Shopify-Topic": topic, "X-Shopify-Event-Id": event,
               "X-Shopify-Webhook-Id": event, "Content-Type": "application/json",
               "X-Shopify-Hmac-Sha256": hmac_sha256_base64(CREATE["secret"], body)}  # fmt: skip
    r = await c.post("/webhooks/shopify-eu", content=body, headers=headers)
    assert r.status_code in (200, 202), r.text
    return r.json()


def fixture(name: str, **changes: Any) -> bytes:
    doc = json.loads((SHOPIFY / name).read_bytes())
    doc.update(changes)
    return json.dumps(doc).encode()


async def shipped_order(c: AsyncTestClient, hub: Hub, auth: dict[str, str]) -> str:  # noqa: F811
    await ok(await c.post("/locations", json={"code": "main", "name": "Main", "priority": 1,
                                             "address": ADDRESS}, headers=auth), 201)  # fmt: skip
    moves = [{"kind": "receipt", "sku": s, "location": "main", "quantity": 10, "reason": "in"}
             for s in (SKU, "MUG-CER-350")]  # fmt: skip
    await ok(await c.post("/stock/movements", json={"movements": moves}, headers=auth), 201)
    await hook(c, (SHOPIFY / "orders_create.json").read_bytes(), "orders/create", "order-1")
    await run_jobs(hub)
    (f,) = (await ok(await c.get("/fulfilments", headers=auth)))["items"]
    ship = {"carrier": "DHL", "tracking_number": "JD0001"}
    await ok(await c.post(f"/fulfilments/{f['id']}/shipments", json=ship, headers=auth), 201)
    await run_jobs(hub)
    return str(f["order_id"])


async def returns_of(c: AsyncTestClient, auth: dict[str, str]) -> list[Any]:
    return list((await ok(await c.get("/returns", headers=auth)))["items"])


async def test_shopify_return_webhooks_drive_the_hub_return(
    hub_client: AsyncTestClient,  # noqa: F811
    hub: Hub,  # noqa: F811
    auth: dict[str, str],
    shop: FakeShop,
) -> None:
    c = hub_client
    order_id = await shipped_order(c, hub, auth)

    # requested: opened by the channel, reason mapped, the buyer's words kept
    request = (SHOPIFY / "returns_request.json").read_bytes()
    await hook(c, request, "returns/request", "r-1")
    await hook(c, request, "returns/request", "r-1")  # the same delivery: kept once
    await hook(c, request, "returns/request", "r-2")  # the same return, another delivery
    await run_jobs(hub)
    (ret,) = await returns_of(c, auth)
    assert (ret["opened_by"], ret["external_id"], ret["status"], ret["reason"]) == (
        "channel", RID, "requested", "size_or_fit"
    )  # fmt: skip
    assert "Runs a size small" in ret["note"] and ret["order_id"] == order_id
    assert [(ln["sku"], ln["quantity"]) for ln in ret["lines"]] == [(SKU, 1)]

    # approved on Shopify: authorised; closed before the hub received it: noted, not forced
    await hook(c, (SHOPIFY / "returns_approve.json").read_bytes(), "returns/approve", "a-1")
    await run_jobs(hub)
    await hook(c, (SHOPIFY / "returns_close.json").read_bytes(), "returns/close", "c-1")
    await run_jobs(hub)
    got = await ok(await c.get(f"/returns/{ret['id']}", headers=auth))
    assert got["status"] == "authorised"

    # received in the hub, then Shopify's close closes it
    receive = {"location": "main", "lines": [{"sku": SKU, "quantity": 1, "grade": "sellable"}]}
    await ok(await c.post(f"/returns/{ret['id']}/receive", json=receive, headers=auth))
    # its refund queued to Shopify: a close arriving before the refund is recorded waits
    shop.lose_next_refund_answer = False
    await ok(await c.post(f"/returns/{ret['id']}/refund", json={}, headers=auth))
    close = (SHOPIFY / "returns_close.json").read_bytes()
    early = await hook(c, close, "returns/close", "c-2")
    assert await messages.process(hub.job_context(), early["inbound_id"]) == "processed"
    got = await ok(await c.get(f"/returns/{ret['id']}", headers=auth))
    assert got["status"] == "received"
    await run_jobs(hub)  # refundCreate, recorded
    await hook(c, close, "returns/close", "c-3")
    await run_jobs(hub)
    got = await ok(await c.get(f"/returns/{ret['id']}", headers=auth))
    assert (got["status"], got["refund"]["state"]) == ("closed", "recorded")

    # a second return, of the mug, declined on Shopify: rejected with Shopify's reason
    second = json.loads(request)
    second["id"], second["admin_graphql_api_id"] = 9081123002, "gid://shopify/Return/9081123002"
    second["return_line_items"][0]["fulfillment_line_item"]["line_item"]["id"] = 14123456789012
    second["return_line_items"][0]["return_reason"] = "defective"
    await hook(c, json.dumps(second).encode(), "returns/request", "r-3")
    await run_jobs(hub)
    decline = fixture("returns_decline.json", id=9081123002)
    await hook(c, decline, "returns/decline", "d-1")
    await run_jobs(hub)
    by_id = {r["external_id"]: r for r in await returns_of(c, auth)}
    mug = by_id["9081123002"]
    assert (mug["status"], mug["reason"], mug["lines"][0]["sku"]) == (
        "rejected", "defective", "MUG-CER-350"
    )  # fmt: skip

    order = await ok(await c.get(f"/orders/{order_id}", headers=auth))
    entries = [e for e in order["timeline"] if e["kind"].startswith("return_")]
    kinds = [e["kind"] for e in entries]
    assert kinds == ["return_requested", "return_authorised", "return_channel",
                     "return_received", "return_refund_queued", "return_channel",
                     "return_refunded", "return_closed", "return_requested",
                     "return_rejected"]  # fmt: skip
    noted = entries[2]["detail"]
    assert (noted["applied"], noted["status"], noted["return"]) == (False, "authorised", ret["id"])
    assert entries[-1]["detail"]["reason"] == "return_period_ended / Bought in March"
    assert "refund is on its way" in entries[5]["detail"]["why"]
    by_channel = [e for e in entries if e["kind"].endswith(("_channel", "_closed", "_rejected"))]
    assert {e["actor"] for e in by_channel} == {"channel:shopify-eu"}


async def test_a_return_of_an_unknown_order_or_line_is_quarantined(
    hub_client: AsyncTestClient,  # noqa: F811
    hub: Hub,  # noqa: F811
    auth: dict[str, str],
    shop: FakeShop,
) -> None:
    c = hub_client
    await shipped_order(c, hub, auth)
    unknown_order = fixture("returns_request.json", id=1, order={"id": 999})
    strange = json.loads((SHOPIFY / "returns_request.json").read_bytes())
    strange["id"] = 2
    strange["return_line_items"][0]["fulfillment_line_item"]["line_item"]["id"] = 4242
    too_many = json.loads((SHOPIFY / "returns_request.json").read_bytes())
    too_many["id"] = 3
    too_many["return_line_items"][0]["quantity"] = 5
    ids = [
        (await hook(c, body, "returns/request", f"q-{i}"))["inbound_id"]
        for i, body in enumerate(
            [unknown_order, json.dumps(strange).encode(), json.dumps(too_many).encode()]
        )
    ]
    await run_jobs(hub)
    assert await returns_of(c, auth) == []
    reasons = []
    for message_id in ids:
        shown = await ok(await c.get(f"/inbound/{message_id}", headers=auth))
        assert shown["message"]["status"] == "quarantined"
        reasons.append(shown["reasons"][-1]["reason"])
    assert "no order '999' of channel 'shopify-eu'" in reasons[0]
    assert "line '4242' is not a line of order" in reasons[1]
    assert "more than can be returned" in reasons[2]
