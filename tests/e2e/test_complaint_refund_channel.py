"""A complaint's ``refund`` outcome goes to the channel along the returns' refund path, on
SQLite and PostgreSQL, with Shopify faked by respx: resolving queues it (the outbox), the
``complaint.refund`` job sends ``refundCreate`` once although its first answer is lost and
the job is retried, and the refund is then recorded on the order; each step is on the
timeline. A channel that takes no refunds from the hub (the call centre) keeps the manual
record with a note (``test_complaints_api``)."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from hub.bootstrap import Hub
from tests.e2e import test_returns_shopify as shopify_returns
from tests.e2e.test_returns_shopify import (
    ADDRESS,
    CREATE,
    LISTING,
    SHOPIFY,
    SKU,
    FakeShop,
    ok,
    run_jobs,
)

# the Shopify returns test's fixtures: its connections, app, hub and faked partners
hub_settings = shopify_returns.hub_settings
hub_client = shopify_returns.hub_client
hub = shopify_returns.hub
partners = shopify_returns.partners


async def shipped_shopify_order(c: AsyncTestClient, auth: dict[str, str], hub: Hub) -> Any:
    loc = {"code": "main", "name": "Main", "priority": 1, "address": ADDRESS}
    await ok(await c.post("/locations", json=loc, headers=auth), 201)
    moves = [{"kind": "receipt", "sku": s, "location": "main", "quantity": 10, "reason": "in"}
             for s in (SKU, "MUG-CER-350")]  # fmt: skip
    await ok(await c.post("/stock/movements", json={"movements": moves}, headers=auth), 201)
    skus = {"skus": [{"sku": SKU, "name": "Tee", "listings": {"shopify-eu": LISTING}}]}
    assert (await c.put("/catalog/skus", json=skus, headers=auth)).status_code < 300
    hooked = await c.post(
        "/webhooks/shopify-eu", content=(SHOPIFY / "orders_create.json").read_bytes(),
        headers={**CREATE["headers"], "Content-Type": "application/json"},
    )  # fmt: skip
    assert hooked.status_code == 202, hooked.text
    await run_jobs(hub)
    (f,) = (await ok(await c.get("/fulfilments", headers=auth)))["items"]
    ship = {"carrier": "DHL", "tracking_number": "JD0001"}
    await ok(await c.post(f"/fulfilments/{f['id']}/shipments", json=ship, headers=auth), 201)
    await run_jobs(hub)
    return await ok(await c.get(f"/orders/{f['order_id']}", headers=auth))


async def test_a_complaint_refund_is_sent_to_shopify_once(
    hub_client: AsyncTestClient,
    hub: Hub,
    auth: dict[str, str],
    partners: tuple[FakeShop, list[Any]],
) -> None:
    shop, _ = partners
    c = hub_client
    order = await shipped_shopify_order(c, auth, hub)
    body = {"kind": "damaged", "description": "The tee arrived torn"}
    opened = await ok(await c.post(f"/orders/{order['id']}/complaints", json=body, headers=auth),
                      201)  # fmt: skip
    cid = opened["id"]
    too_much = {"outcome": "refund", "amount": 10**9}
    r = await c.post(f"/complaints/{cid}/resolve", json=too_much, headers=auth)
    assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "amount")

    refund = {"outcome": "refund", "amount": 1000}
    got = await ok(await c.post(f"/complaints/{cid}/resolve", json=refund, headers=auth))
    assert (got["outcome"]["refund_state"], got["refund"]["state"]) == ("queued", "queued")
    assert "refund_note" not in got["outcome"]
    await run_jobs(hub)  # Shopify makes the refund; its answer is lost: the job waits
    await run_jobs(hub, due_now=True)  # the retry finds the refund made and records it
    await run_jobs(hub, due_now=True)
    assert len(shop.sent["HubRefundCreate"]) == 1
    sent = shop.sent["HubRefundCreate"][0]["input"]
    assert f"complaint:{cid}" in sent["note"]
    assert sent["transactions"][0]["parentId"] == "gid://shopify/OrderTransaction/700"
    got = await ok(await c.get(f"/complaints/{cid}", headers=auth))
    assert got["refund"] == {"amount": 1000, "state": "recorded",
                             "reference": got["refund"]["reference"]}  # fmt: skip
    assert got["refund"]["reference"]
    after = await ok(await c.get(f"/orders/{order['id']}", headers=auth))
    assert after["payment"]["refunded"] == 1000
    kinds = [e["kind"] for e in after["timeline"] if e["kind"].startswith("complaint_")]
    assert kinds == ["complaint_opened", "complaint_refund_queued", "complaint_resolved",
                     "complaint_refunded"]  # fmt: skip
    await run_jobs(hub, due_now=True)  # nothing left to send
    assert len(shop.sent["HubRefundCreate"]) == 1
