"""The console's Today figures and work queue, on both databases: orders per channel per
hour, counts by status, held orders with why, flagged orders, late fulfilments, and what a
channel's own key may see of them."""

from __future__ import annotations

from datetime import timedelta

from litestar.testing import AsyncTestClient

from hub.clock import utcnow
from hub.domain.lifecycle import EventKind
from hub.services.console.today import HOURS, Reach, today
from hub.store import orders as order_store
from hub.store.database import Database
from hub.store.tables import fulfilments
from tests.e2e.test_fulfilment_api import order

EVERYTHING = Reach(channels=None, admin=True, stock=True)


async def _order(client: AsyncTestClient, auth: dict[str, str], ref: str, **more: object) -> str:
    r = await client.post("/orders", json=order(ref, ("TEE", 1)) | more, headers=auth)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def test_the_work_queue_holds_what_a_human_must_fix(
    client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    held = await _order(client, auth, "T-1")
    r = await client.post(f"/orders/{held}/hold", json={"reason": "fraud check"}, headers=auth)
    assert r.status_code == 200, r.text
    flagged = await _order(client, auth, "T-2")
    late = await _order(client, auth, "T-3", ship_by=(utcnow() - timedelta(hours=2)).isoformat())
    now = utcnow()
    await db.run_write(
        lambda c: order_store.flag_attention(
            c, flagged, "the channel changed it", actor="test", now=now,
            kind=EventKind.UPDATE_REFUSED,
        )
    )  # fmt: skip
    async with db.write() as conn:
        await conn.execute(
            fulfilments.insert().values(
                id="F" * 26, order_id=late, location="main", status="open",
                created_at=now, updated_at=now,
            )
        )  # fmt: skip

    found = await today(db, EVERYTHING)
    assert [(o["id"], o["why"]) for o in found.held] == [(held, "fraud check")]
    assert [(o["id"], o["attention"]) for o in found.flagged] == [
        (flagged, "the channel changed it")
    ]
    assert [f["id"] for f in found.late] == [late]
    assert found.statuses == {"on_hold": 1, "received": 2}
    assert list(found.hours) == ["callcentre"] and sum(found.hours["callcentre"]) == 3
    assert len(found.hours["callcentre"]) == HOURS and found.queue_size == 3

    other = await today(db, Reach(channels=frozenset({"shop-eu"}), admin=False, stock=False))
    assert (other.held, other.flagged, other.late, other.hours) == ([], [], [], {})
    assert other.statuses == {}
