"""Manual payments and refunds over HTTP (``POST /orders/{id}/payments``), on SQLite and
PostgreSQL: a call-centre order waits for its money and a bank transfer releases it; every
amount is checked against what is due or refundable, and a bad one is a 422 naming the field
with nothing written; an Idempotency-Key replays; a cancelled paid order shows the refund due.
"""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from hub.bootstrap import build_registry
from hub.config import Settings
from hub.store.database import Database
from hub.worker import Worker
from tests.e2e.test_fulfilment_api import location, order, receive

Body = dict[str, Any]
TOTAL = 2000  # two tees at 1000


async def drain(db: Database, settings: Settings) -> None:
    worker = Worker(db, build_registry(settings), settings)
    while await worker.run_once():
        pass


async def unpaid_order(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> str:
    """A call-centre order nobody has paid yet, accepted and held for its money."""
    await location(client, auth, "main")
    await receive(client, auth, ("TEE", "main", 10))
    body = order("CC-9", ("TEE", 2)) | {"payment": {"status": "pending"}}
    r = await client.post("/orders", json=body, headers=auth)
    assert r.status_code == 201, r.text
    await drain(db, settings)
    return str(r.json()["id"])


async def pay(
    client: AsyncTestClient,
    auth: dict[str, str],
    order_id: str,
    key: str | None = None,
    **body: Any,
) -> Any:
    headers = auth | ({"Idempotency-Key": key} if key else {})
    return await client.post(f"/orders/{order_id}/payments", json=body, headers=headers)


async def detail(client: AsyncTestClient, auth: dict[str, str], order_id: str) -> Body:
    got: Body = (await client.get(f"/orders/{order_id}", headers=auth)).json()
    return got


async def test_a_bank_transfer_releases_a_call_centre_order(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    order_id = await unpaid_order(client, auth, db, settings)
    held = await detail(client, auth, order_id)
    assert held["status"] == "on_hold"
    assert held["timeline"][-1]["detail"]["reason"] == "awaiting_payment"

    r = await pay(client, auth, order_id, kind="capture", amount=TOTAL, method="bank_transfer",
                  reference="SEPA-2025-0314-77", note="paid to the Sparkasse account")  # fmt: skip
    assert r.status_code == 201, r.text
    answer = r.json()
    assert answer["order_status"] == "accepted"  # off its hold at once; routing follows
    assert answer["transaction"]["reference"] == "SEPA-2025-0314-77"
    assert answer["transaction"]["source"] == "manual"
    assert answer["payment"] == {
        "status": "paid", "authorized": 0, "captured": TOTAL, "refunded": 0,
        "balance_due": 0, "refund_due": 0,
    }  # fmt: skip

    await drain(db, settings)
    got = await detail(client, auth, order_id)
    assert got["status"] == "released"
    payment_entry = next(e for e in got["timeline"] if e["kind"] == "payment")
    assert payment_entry["actor"] == "key:admin"
    assert payment_entry["detail"] == {
        "kind": "capture", "amount": TOTAL, "currency": "EUR", "status": "succeeded",
        "source": "manual", "payment_status": "paid", "method": "bank_transfer",
        "reference": "SEPA-2025-0314-77", "note": "paid to the Sparkasse account",
    }  # fmt: skip


async def test_amounts_beyond_what_is_due_or_refundable_are_422_and_write_nothing(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    order_id = await unpaid_order(client, auth, db, settings)
    bad = [
        ({"kind": "capture", "amount": TOTAL + 1, "method": "cash"}, "amount"),
        ({"kind": "refund", "amount": 1, "method": "cash"}, "amount"),  # nothing captured
        ({"kind": "capture", "amount": 100, "method": "bank_transfer"}, "reference"),
        ({"kind": "capture", "amount": 100, "method": "cash", "currency": "USD"}, "currency"),
        ({"kind": "capture", "amount": 0, "method": "cash"}, "amount"),
        ({"kind": "payment", "amount": 100, "method": "cash"}, "kind"),
        ({"kind": "capture", "amount": 100, "method": "cheque"}, "method"),
    ]
    for body, field in bad:
        r = await pay(client, auth, order_id, **body)
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in r.json()["errors"]] == [field], (body, r.text)
    got = await detail(client, auth, order_id)
    assert got["payment"]["transactions"] == [] and got["status"] == "on_hold"
    assert "payment" not in [e["kind"] for e in got["timeline"]]

    r = await pay(client, auth, order_id, kind="capture", amount=1500, method="cash")
    assert r.status_code == 201, r.text
    r = await pay(client, auth, order_id, kind="refund", amount=500, method="card_terminal",
                  reference="SLIP-0042")  # fmt: skip
    assert r.status_code == 201, r.text
    assert r.json()["payment"]["status"] == "partially_refunded"
    r = await pay(client, auth, order_id, kind="refund", amount=1001, method="cash")
    assert r.status_code == 422
    (error,) = r.json()["errors"]
    assert error["field"] == "amount" and "1000" in error["reason"]  # 1500 less 500
    r = await pay(client, auth, order_id, kind="capture", amount=501, method="cash")
    assert r.status_code == 422 and "500" in r.json()["errors"][0]["reason"]  # balance due
    r = await pay(client, auth, order_id, kind="refund", amount=1000, method="cash")
    assert r.status_code == 201 and r.json()["payment"]["status"] == "refunded"


async def test_a_partial_payment_is_flagged_with_both_figures(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    order_id = await unpaid_order(client, auth, db, settings)
    r = await pay(client, auth, order_id, kind="capture", amount=1500, method="cash")
    assert r.json()["order_status"] == "on_hold"  # 1500 of 2000: still waiting
    flag = (await detail(client, auth, order_id))["timeline"][-1]
    assert flag["kind"] == "payment_mismatch"
    assert flag["detail"]["reason"] == (
        "payment: captured 15.00 EUR differs from the order total 20.00 EUR"
    )
    r = await pay(client, auth, order_id, kind="capture", amount=500, method="cash")
    assert r.json()["order_status"] == "accepted"


async def test_the_idempotency_key_replays_and_a_reference_is_recorded_once(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    order_id = await unpaid_order(client, auth, db, settings)
    body = {"kind": "capture", "amount": 700, "method": "bank_transfer", "reference": "T-1"}
    first = await pay(client, auth, order_id, "pay-1", **body)
    again = await pay(client, auth, order_id, "pay-1", **body)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["idempotent-replayed"] == "true" and again.json() == first.json()
    other = await pay(client, auth, order_id, "pay-1", **(body | {"amount": 800}))
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    twice = await pay(client, auth, order_id, **body)  # the same transfer, no key
    assert twice.status_code == 409 and twice.json()["errors"][0]["field"] == "reference"
    assert len((await detail(client, auth, order_id))["payment"]["transactions"]) == 1
    missing = await pay(client, auth, "01JNOSUCHORDER000000000000", **body)
    assert missing.status_code == 404


async def test_a_paid_order_cancelled_shows_the_refund_due_until_refunded(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    order_id = await unpaid_order(client, auth, db, settings)
    await pay(client, auth, order_id, kind="capture", amount=TOTAL, method="cash")
    r = await client.post(f"/orders/{order_id}/cancel", headers=auth)
    assert r.status_code == 200, r.text
    assert (r.json()["payment"]["refund_due"], r.json()["payment"]["balance_due"]) == (TOTAL, 0)
    cancel = (await detail(client, auth, order_id))["timeline"][-1]
    assert cancel["kind"] == "cancel" and cancel["detail"]["refund_due"]["amount"] == TOTAL
    r = await pay(client, auth, order_id, kind="capture", amount=1, method="cash")
    assert r.status_code == 422  # a cancelled order owes nothing
    r = await pay(client, auth, order_id, kind="refund", amount=TOTAL, method="bank_transfer",
                  reference="RF-1")  # fmt: skip
    assert r.status_code == 201
    assert r.json()["payment"]["refund_due"] == 0 and r.json()["order_status"] == "cancelled"
