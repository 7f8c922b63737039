"""A return's refund after invoicing credits the units the return received, on its own: a
credit note for those lines (not the shipping), referencing the invoice, on both databases."""

from __future__ import annotations

from pathlib import Path

from hub.config import Settings
from tests.e2e.test_fulfilment_api import location, order, receive
from tests.support.documents import client_and_hub, config, configured, run_jobs


async def test_a_refunded_return_credits_what_it_received(
    settings: Settings, tmp_path: Path, auth: dict[str, str]
) -> None:
    async for client, hub in client_and_hub(configured(settings, tmp_path, config())):
        await location(client, auth, "main", priority=1)
        await receive(client, auth, ("TEE", "main", 10), ("MUG", "main", 10))
        body = order("R-DOC", ("TEE", 2), ("MUG", 1))
        for line in body["lines"]:
            line["tax_rate"] = "0"  # the order has no tax (the series' default is 19)
        r = await client.post("/orders", json=body, headers=auth)
        assert r.status_code == 201, r.text
        order_id = r.json()["id"]
        await run_jobs(hub)
        (f,) = (await client.get("/fulfilments", headers=auth)).json()["items"]
        ship = {"carrier": "DHL", "tracking_number": "T-DOC"}
        r = await client.post(f"/fulfilments/{f['id']}/shipments", json=ship, headers=auth)
        assert r.status_code == 201, r.text
        await run_jobs(hub)  # invoiced on shipment (the default)

        body = {"lines": [{"sku": "TEE", "quantity": 2}], "reason": "size_or_fit"}
        rid = (await client.post(f"/orders/{order_id}/returns", json=body, headers=auth)).json()
        rid = rid["id"]
        assert (await client.post(f"/returns/{rid}/authorise", json={}, headers=auth)).is_success
        one = {"location": "main", "lines": [{"sku": "TEE", "quantity": 1, "grade": "sellable"}]}
        assert (await client.post(f"/returns/{rid}/receive", json=one, headers=auth)).is_success
        r = await client.post(f"/returns/{rid}/refund", json={}, headers=auth)
        assert r.status_code == 200, r.text
        await run_jobs(hub)

        docs = (await client.get(f"/orders/{order_id}/documents", headers=auth)).json()["items"]
        assert [d["kind"] for d in docs] == ["invoice", "credit_note"]
        note = (await client.get(f"/documents/{docs[1]['id']}", headers=auth)).json()
        assert [(ln["sku"], ln["quantity"]) for ln in note["content"]["lines"]] == [("TEE", 1)]
        assert note["content"]["shipping"] is None
        assert note["content"]["credited_invoice"] == docs[0]["number"]
        assert note["credits_id"] == docs[0]["id"]
        timeline = (await client.get(f"/orders/{order_id}", headers=auth)).json()["timeline"]
        assert "document_refused" not in [e["kind"] for e in timeline]
