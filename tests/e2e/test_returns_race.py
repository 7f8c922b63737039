"""Races on one return, each racer through its own Database (as separate API processes):
two receipts of the same units, one wins and the other is refused naming the line; refunds
of returns of one order racing never add up to more than was captured."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar.testing import AsyncTestClient

from hub.config import Settings
from hub.domain.returns import ReturnPolicy
from hub.errors import HubError
from hub.services.returns.receiving import ReceivedLineIn, ReceiveIn, post_receipt
from hub.services.returns.refunds import RefundIn, post_refund
from hub.store.database import Database
from tests.e2e.test_returns_api import shipped_order

Auth = dict[str, str]


async def _authorised(client: AsyncTestClient, auth: Auth, order_id: str, sku: str, n: int) -> str:
    body = {"lines": [{"sku": sku, "quantity": n}], "reason": "other"}
    r = await client.post(f"/orders/{order_id}/returns", json=body, headers=auth)
    assert r.status_code == 201, r.text
    rid: str = r.json()["id"]
    assert (await client.post(f"/returns/{rid}/authorise", json={}, headers=auth)).is_success
    return rid


async def _race(db: Database, calls: list[Any]) -> list[Any]:
    dbs = [Database(db.url) for _ in calls]

    async def run(call: Any, own: Database) -> Any:
        try:
            return await call(own)
        except HubError as refused:
            return refused

    try:
        return await asyncio.gather(*(run(c, own) for c, own in zip(calls, dbs, strict=True)))
    finally:
        for own in dbs:
            await own.dispose()


def _policy(channel: str) -> ReturnPolicy:
    return ReturnPolicy()


async def test_two_receipts_of_the_same_units_one_wins(
    client: AsyncTestClient, auth: Auth, db: Database, settings: Settings
) -> None:
    order_id = (await shipped_order(client, auth, db, settings))["id"]
    rid = await _authorised(client, auth, order_id, "TEE", 2)
    body = ReceiveIn(location="main",
                     lines=[ReceivedLineIn(sku="TEE", quantity=2, grade="sellable")])  # fmt: skip

    def receipt(own: Database) -> Any:
        return post_receipt(own, rid, body, actor="race", policy_of=_policy,
                            offered_to=lambda loc: None)  # fmt: skip

    results = await _race(db, [receipt, receipt])
    refused = [r for r in results if isinstance(r, HubError)]
    assert len(refused) == 1 and refused[0].status == 409
    assert refused[0].errors[0].field in ("lines[0].quantity", "status")
    got = (await client.get(f"/returns/{rid}", headers=auth)).json()
    assert (got["lines"][0]["received"], len(got["receipts"])) == (2, 1)


async def test_racing_refunds_never_exceed_what_was_captured(
    client: AsyncTestClient, auth: Auth, db: Database, settings: Settings
) -> None:
    order_id = (await shipped_order(client, auth, db, settings))["id"]  # 3000 captured
    rids = [
        await _authorised(client, auth, order_id, sku, n) for sku, n in (("TEE", 2), ("MUG", 1))
    ]
    for rid, (sku, n) in zip(rids, (("TEE", 2), ("MUG", 1)), strict=True):
        body = {"location": "main", "lines": [{"sku": sku, "quantity": n, "grade": "sellable"}]}
        assert (await client.post(f"/returns/{rid}/receive", json=body, headers=auth)).is_success
    manual = {"kind": "refund", "amount": 1500, "method": "cash"}  # half was refunded by hand
    assert (await client.post(f"/orders/{order_id}/payments", json=manual, headers=auth)).is_success

    def refund(rid: str) -> Any:
        return lambda own: post_refund(own, rid, RefundIn(), actor="race", policy_of=_policy,
                                       sends_refunds=lambda channel: False)  # fmt: skip

    await _race(db, [refund(r) for r in rids])
    got = (await client.get(f"/orders/{order_id}", headers=auth)).json()["payment"]
    assert got["refunded"] == 3000 == got["captured"]
