"""Complaints over HTTP on SQLite and PostgreSQL: opened on a shipped order with lines and
evidence, due after the channel's SLA, answered, resolved with a refund (recorded on the
order's payment, never above what is refundable), a voucher or a return, rejected; every
step on the order's timeline; bad input refused naming the field with nothing written; the
list paged and filtered (``overdue=true``); and the figures per carrier, location and SKU."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import update

from hub.clock import utcnow
from hub.config import Settings
from hub.store.database import Database
from hub.store.tables import complaints
from tests.e2e.test_fulfilment_api import drain, location, order, receive

Body = dict[str, Any]


async def fulfilments_of(
    client: AsyncTestClient, auth: dict[str, str], order_id: str
) -> list[Body]:
    listed = (await client.get("/fulfilments", headers=auth)).json()["items"]
    return [f for f in listed if f["order_id"] == order_id]


async def shipped_order(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> str:
    """A paid call-centre order of two tees and a mug (3000), shipped by DHL from ``main``."""
    await location(client, auth, "main")
    await receive(client, auth, ("TEE", "main", 10), ("MUG", "main", 10))
    r = await client.post("/orders", json=order("CC-1", ("TEE", 2), ("MUG", 1)), headers=auth)
    assert r.status_code == 201, r.text
    order_id: str = r.json()["id"]
    await drain(db, settings)
    (f,) = await fulfilments_of(client, auth, order_id)
    parcel = {"carrier": "DHL", "tracking_number": "JD0001",
              "lines": [{"sku": "TEE", "quantity": 2}, {"sku": "MUG", "quantity": 1}]}  # fmt: skip
    r = await client.post(f"/fulfilments/{f['id']}/shipments", json=parcel, headers=auth)
    assert r.status_code in (200, 201), r.text
    await drain(db, settings)
    return order_id


async def complain(
    client: AsyncTestClient, auth: dict[str, str], order_id: str, **body: Any
) -> Any:
    body = {"kind": "damaged", "description": "The mug arrived in pieces"} | body
    return await client.post(f"/orders/{order_id}/complaints", json=body, headers=auth)


async def act(
    client: AsyncTestClient, auth: dict[str, str], cid: str, action: str, **body: Any
) -> Any:
    return await client.post(f"/complaints/{cid}/{action}", json=body, headers=auth)


async def timeline(client: AsyncTestClient, auth: dict[str, str], order_id: str) -> list[Body]:
    found: list[Body] = (await client.get(f"/orders/{order_id}", headers=auth)).json()["timeline"]
    return found


async def test_a_complaint_from_opening_to_a_refund(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    order_id = await shipped_order(client, auth, db, settings)
    r = await complain(client, auth, order_id, lines=[{"sku": "MUG", "quantity": 1}],
                       evidence=["https://photos.example.com/mug.jpg"])  # fmt: skip
    assert r.status_code == 201, r.text
    opened = r.json()
    assert (opened["status"], opened["kind"], opened["overdue"]) == ("open", "damaged", False)
    assert opened["lines"] == [{"sku": "MUG", "quantity": 1}]
    assert opened["evidence"] == ["https://photos.example.com/mug.jpg"]
    created, due_at = (datetime.fromisoformat(opened[k]) for k in ("created_at", "due_at"))
    assert due_at - created == timedelta(hours=48)  # the call centre's SLA: the default
    cid = opened["id"]

    r = await act(client, auth, cid, "answer", message="Sorry! We will make it right.")
    assert (r.status_code, r.json()["status"]) == (200, "answered"), r.text
    r = await act(client, auth, cid, "resolve", outcome="refund", amount=1000, note="the mug")
    assert r.status_code == 200, r.text
    resolved = r.json()
    assert resolved["status"] == "resolved"
    assert resolved["outcome"] == {
        "outcome": "refund",
        "amount": 1000,
        "currency": "EUR",
        "refund_reference": f"complaint:{cid}",
        "refund_state": "recorded",  # the call centre takes no refunds from the hub
        "refund_note": "channel callcentre takes no refunds from the hub: recorded here; "
        "pay it back on the channel or by hand",
        "note": "the mug",
    }
    assert resolved["refund"] == {"amount": 1000, "state": "recorded",
                                  "reference": f"complaint:{cid}"}  # fmt: skip

    detail = (await client.get(f"/orders/{order_id}", headers=auth)).json()
    assert (detail["payment"]["refunded"], detail["payment"]["status"]) == (
        1000, "partially_refunded",
    )  # fmt: skip
    kinds = [e["kind"] for e in detail["timeline"]]
    assert kinds[-4:] == ["complaint_opened", "complaint_answered", "payment",
                          "complaint_resolved"]  # fmt: skip
    r = await act(client, auth, cid, "reject", reason="changed my mind")
    assert r.status_code == 409, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["status"]
    assert (await client.get(f"/complaints/{cid}", headers=auth)).json()["status"] == "resolved"


async def test_bad_input_names_the_field_and_writes_nothing(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    order_id = await shipped_order(client, auth, db, settings)
    before = await timeline(client, auth, order_id)
    for body, field in [
        ({"lines": [{"sku": "CAP", "quantity": 1}]}, "lines[0].sku"),
        ({"lines": [{"sku": "TEE", "quantity": 3}]}, "lines[0].quantity"),
        ({"kind": "broken"}, "kind"),
        ({"evidence": ["ftp://photos.example.com/a.jpg"]}, "evidence[0]"),
        ({"description": ""}, "description"),
    ]:
        r = await complain(client, auth, order_id, **body)
        assert r.status_code == 422, (body, r.text)
        assert field in [e["field"] for e in r.json()["errors"]], r.text
    assert (await complain(client, auth, "01JNOSUCHORDER000000000000")).status_code == 404
    assert (await client.get("/complaints", headers=auth)).json()["items"] == []
    assert await timeline(client, auth, order_id) == before

    cid = (await complain(client, auth, order_id)).json()["id"]
    for body, field, status in [
        ({"outcome": "refund", "amount": 3001}, "amount", 422),  # 3000 captured
        ({"outcome": "refund"}, "amount", 422),
        ({"outcome": "voucher", "amount": 500}, "voucher_code", 422),
        ({"outcome": "reship", "lines": [{"sku": "CAP", "quantity": 1}]}, "lines[0].sku", 422),
        ({"outcome": "teleport"}, "outcome", 422),
    ]:
        r = await act(client, auth, cid, "resolve", **body)
        assert r.status_code == status, (body, r.text)
        assert field in [e["field"] for e in r.json()["errors"]], r.text
    shown = (await client.get(f"/complaints/{cid}", headers=auth)).json()
    assert (shown["status"], shown["outcome"]) == ("open", None)
    detail = (await client.get(f"/orders/{order_id}", headers=auth)).json()
    assert detail["payment"]["refunded"] == 0
    assert (
        await client.get("/complaints/01JNOSUCH0000000000000000", headers=auth)
    ).status_code == 404


async def test_voucher_return_and_rejection_and_the_list(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    order_id = await shipped_order(client, auth, db, settings)
    ids = [(await complain(client, auth, order_id, kind=k)).json()["id"]
           for k in ("damaged", "wrong_item", "late", "missing_item")]  # fmt: skip
    r = await act(client, auth, ids[0], "resolve", outcome="voucher", amount=500,
                  voucher_code="SORRY-5")  # fmt: skip
    assert r.json()["outcome"] == {"outcome": "voucher", "amount": 500, "currency": "EUR",
                                   "voucher_code": "SORRY-5"}  # fmt: skip
    r = await act(client, auth, ids[1], "resolve", outcome="return_required",
                  lines=[{"sku": "TEE", "quantity": 2}])  # fmt: skip
    outcome = r.json()["outcome"]
    assert (outcome["outcome"], outcome["lines"]) == (
        "return_required",
        [{"sku": "TEE", "quantity": 2}],
    )
    opened = (await client.get(f"/returns/{outcome['return_id']}", headers=auth)).json()
    assert (opened["order_id"], opened["status"]) == (order_id, "requested")
    assert [(line["sku"], line["quantity"]) for line in opened["lines"]] == [("TEE", 2)]
    r = await act(client, auth, ids[2], "reject", reason="delivered within the promise")
    assert (r.json()["status"], r.json()["reason"]) == ("rejected", "delivered within the promise")
    async with db.write() as conn:  # the last one is past its due time
        past = utcnow() - timedelta(hours=1)
        await conn.execute(update(complaints).where(complaints.c.id == ids[3]).values(due_at=past))

    async def listed(query: str) -> list[str]:
        r = await client.get(f"/complaints{query}", headers=auth)
        assert r.status_code == 200, r.text
        return [c["id"] for c in r.json()["items"]]

    assert await listed("") == ids[::-1]  # newest first
    assert await listed("?overdue=true") == [ids[3]]
    assert await listed("?status=rejected") == [ids[2]]
    assert await listed("?kind=wrong_item&kind=damaged") == [ids[1], ids[0]]
    assert await listed(f"?order_id={order_id}&status=resolved") == [ids[1], ids[0]]
    page = (await client.get("/complaints?limit=3", headers=auth)).json()
    rest = await client.get(f"/complaints?limit=3&cursor={page['next_cursor']}", headers=auth)
    assert [c["id"] for c in page["items"] + rest.json()["items"]] == ids[::-1]
    assert rest.json()["next_cursor"] is None
    assert (await client.get("/complaints?overdue=maybe", headers=auth)).status_code == 400
    assert (await client.get("/complaints?state=open", headers=auth)).status_code == 400
    overdue = (await client.get(f"/complaints/{ids[3]}", headers=auth)).json()
    assert overdue["overdue"] is True


async def test_stats_count_each_kind_against_carrier_location_and_sku(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    order_id = await shipped_order(client, auth, db, settings)
    await complain(client, auth, order_id, lines=[{"sku": "MUG", "quantity": 1}])
    await complain(client, auth, order_id, kind="late")
    since = (utcnow() - timedelta(days=1)).isoformat()
    r = await client.get("/complaints/stats", params={"since": since}, headers=auth)
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["complaints"], got["shipped_units"]) == (2, 3)

    def cells(table: str) -> set[tuple[str, str, int, int, float | None]]:
        return {(c["kind"], c["key"], c["complaints"], c["shipped_units"], c["per_1000_units"])
                for c in got[table]}  # fmt: skip

    assert cells("by_carrier") == {("damaged", "DHL", 1, 3, 333.33), ("late", "DHL", 1, 3, 333.33)}
    assert cells("by_location") == {("damaged", "main", 1, 3, 333.33),
                                    ("late", "main", 1, 3, 333.33)}  # fmt: skip
    assert cells("by_sku") == {("damaged", "MUG", 1, 1, 1000.0), ("late", "MUG", 1, 1, 1000.0),
                               ("late", "TEE", 1, 2, 500.0)}  # fmt: skip
    naive = await client.get("/complaints/stats?since=2026-01-01T00:00:00", headers=auth)
    assert naive.status_code == 400 and naive.json()["errors"][0]["field"] == "since"
