"""A return received on a Square order is refunded on Square once, through the outbox, on
SQLite and PostgreSQL: the services and the worker as in production, Square faked by respx
at its edge (RetrieveOrder and RefundPayment, idempotent by key as Square is).

The first RefundPayment is taken by Square but its answer is lost (503), so the job is
retried. On the retry the connector finds the refund on the order (by the hub's reason) and
sends nothing; where Square does not list it on the order yet, it sends the same
idempotency key and Square answers the first refund again. Either way Square holds one
refund, and the hub records it once, under Square's refund id.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
import respx
from sqlalchemy import update

from connectors.square import connector as square
from hub.bootstrap import Hub
from hub.clock import utcnow
from hub.config import Settings
from hub.sdk import ShipmentReport
from hub.services.fulfilment import own_warehouse
from hub.services.intake.batch import IngestRequest
from hub.services.intake.writer import OrderWriter
from hub.services.returns import decisions, opening, policy, receiving, refunds
from hub.services.returns.views import get_return
from hub.services.stock import LocationIn, MovementIn, add_location, post_movements
from hub.store import fulfilment as fulfilment_store
from hub.store import payments as payment_store
from hub.store.tables import jobs
from hub.worker import Worker

FIXTURES = Path(__file__).resolve().parents[2] / "connectors" / "square" / "fixtures"
SQUARE = "https://square.fake.test"
ORDER_ID = "pM8aL2xQ7vTkR4nYcW1bHs9EfZdJ"
PAYMENT_ID = "bP6nR2tYk9XwQ4mL1cVj8sHdE7fZ"
CONFIG = {
    "connections": [
        {
            "code": "square-pos",
            "connector": "square",
            "base_url": SQUARE,
            "secrets": {
                "signature_key": {"env": "SQR_SIG"},
                "access_token": {"env": "SQR_TOKEN"},
            },
        }
    ]
}


class FakeSquare:
    """RetrieveOrder and RefundPayment: refunds kept by idempotency key, as Square does."""

    def __init__(self, *, lists_refunds: bool) -> None:
        self.lists_refunds = lists_refunds
        self.by_key: dict[str, dict[str, Any]] = {}
        self.posts: list[dict[str, Any]] = []
        self.lose_next_answer = True

    def order(self, request: httpx.Request) -> httpx.Response:
        found = json.loads((FIXTURES / "order.json").read_bytes())
        if self.lists_refunds:
            found["order"]["refunds"] = [
                {"id": r["id"], "tender_id": r["payment_id"], "reason": r["reason"],
                 "amount_money": r["amount_money"], "status": r["status"]}
                for r in self.by_key.values()
            ]  # fmt: skip
        return httpx.Response(200, json=found)

    def refund(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.posts.append(body)
        made = self.by_key.setdefault(body["idempotency_key"], {
            "id": f"{body['payment_id']}_R{len(self.by_key) + 1}", "status": "PENDING",
            "payment_id": body["payment_id"], "reason": body["reason"],
            "amount_money": body["amount_money"],
        })  # fmt: skip
        if self.lose_next_answer:  # Square made it; the answer never arrives
            self.lose_next_answer = False
            return httpx.Response(503)
        return httpx.Response(200, json={"refund": made})


@pytest.fixture
def hub_settings(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    (tmp_path / "hub.yaml").write_text(json.dumps(CONFIG))
    monkeypatch.setenv("SQR_SIG", "sig")
    monkeypatch.setenv("SQR_TOKEN", "EAAA-token")
    return msgspec.structs.replace(settings, config_path=str(tmp_path / "hub.yaml"))


@pytest.fixture
async def hub(hub_settings: Settings) -> AsyncIterator[Hub]:
    built = Hub.build(hub_settings)
    await built.start()
    yield built
    await built.close()


async def run_jobs(hub: Hub, *, due_now: bool = False) -> None:
    if due_now:  # a retry waits its backoff; make it due
        async with hub.db.write() as conn:
            await conn.execute(update(jobs).where(jobs.c.state != "done").values(run_at=utcnow()))
    worker = Worker(hub.db, hub.registry, hub.settings, context=hub.job_context())
    while await worker.run_once():
        pass


async def shipped_square_order(hub: Hub) -> str:
    """The connector's sample sale (2 totes, 1 pin, a 41.92 USD card tender) shipped."""
    [reported] = square.normalize(
        [(FIXTURES / "order_combined.json").read_bytes()], channel="square-pos"
    )
    await add_location(hub.db, LocationIn(code="main", name="Main"))
    stock = [MovementIn("receipt", s, "main", 10, "in") for s in ("TOTE-CNV-NAT", "PIN-ENM-FOX")]
    await post_movements(hub.db, stock, actor="test")
    writer = OrderWriter(hub.db, max_attempts=3)
    await writer.start()
    try:
        made = await writer.submit(IngestRequest(data=reported.order, actor="test"))
    finally:
        await writer.stop()
    await run_jobs(hub)
    async with hub.db.read() as conn:
        [f] = await conn.run_sync(lambda c: fulfilment_store.of_order(c, made.order_id))
    await own_warehouse.confirm_shipment(
        hub.db, str(f.id), ShipmentReport(fulfilment_ref=str(f.id)), actor="test"
    )
    await run_jobs(hub)
    return made.order_id


@pytest.mark.parametrize("lists_refunds", [True, False], ids=["listed", "not-listed-yet"])
async def test_a_square_return_is_refunded_once_when_the_job_is_retried(
    hub: Hub, lists_refunds: bool
) -> None:
    fake = FakeSquare(lists_refunds=lists_refunds)
    with respx.mock(assert_all_called=False) as router:
        router.get(f"{SQUARE}/v2/orders/{ORDER_ID}").mock(side_effect=fake.order)
        router.post(f"{SQUARE}/v2/refunds").mock(side_effect=fake.refund)
        order_id = await shipped_square_order(hub)
        policy_of = policy.policy_of(hub.connections)
        body = opening.ReturnIn(
            lines=[opening.ReturnLineIn(sku="TOTE-CNV-NAT", quantity=1)], reason="other"
        )
        rid = await opening.post_return(hub.db, order_id, body, actor="t", policy_of=policy_of)
        await decisions.authorise(
            hub.db, rid, decisions.AuthoriseIn(), actor="t", label_connection=None,
            return_location=lambda c: None,
        )  # fmt: skip
        got = receiving.ReceiveIn(
            location="main",
            lines=[receiving.ReceivedLineIn(sku="TOTE-CNV-NAT", quantity=1, grade="sellable")],
        )
        await receiving.post_receipt(hub.db, rid, got, actor="t", policy_of=policy_of,
                                     offered_to=policy.offered_to(hub.connections))  # fmt: skip
        await refunds.post_refund(hub.db, rid, refunds.RefundIn(), actor="t", policy_of=policy_of,
                                  sends_refunds=policy.sends_refunds(hub.connections))  # fmt: skip
        await run_jobs(hub)  # Square makes the refund; its answer is lost: the job waits
        await run_jobs(hub, due_now=True)  # the retry finds it (or Square answers it again)
        await run_jobs(hub, due_now=True)

    assert len(fake.by_key) == 1  # one refund at Square
    [made] = fake.by_key.values()
    assert len(fake.posts) == (1 if lists_refunds else 2)
    assert {p["idempotency_key"] for p in fake.posts} == {f"hub-{rid}"}
    assert {p["payment_id"] for p in fake.posts} == {PAYMENT_ID}
    ret = await get_return(hub.db, rid)
    assert ret.refund is not None
    async with hub.db.read() as conn:
        recorded = await conn.run_sync(lambda c: payment_store.recorded(c, order_id))
    assert (ret.status, ret.refund.state, ret.refund.reference) == (
        "refunded", "recorded", made["id"],
    )  # fmt: skip
    assert made["amount_money"] == {"amount": ret.refund.amount, "currency": "USD"}
    refunded = [t for t in recorded if t.kind == "refund"]
    assert [(t.amount, t.reference) for t in refunded] == [(ret.refund.amount, made["id"])]
