"""The console's tallies (orders per channel and status, placed per channel and hour) agree
with a recount of the orders after orders are created, held, released, cancelled and sent
again with another placed time; and ``q`` finds orders through SQLite's FTS5 index as it
does through PostgreSQL's trigram index, after an edit too. On both databases."""

from __future__ import annotations

from datetime import timedelta

import msgspec
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import Connection

from hub.clock import utcnow
from hub.services import orders as order_service
from hub.services.console.today import Reach, today
from hub.services.orders import OrderFilter
from hub.store import order_queries, order_tally
from hub.store import orders as order_store
from hub.store.database import Database
from hub.store.order_queries import search_text
from tests.e2e.test_fulfilment_api import order

EVERYTHING = Reach(channels=None, admin=True, stock=True)


async def _agree(db: Database) -> dict[tuple[str, str], int]:
    def both(conn: Connection) -> tuple[object, object]:
        return order_tally.counted(conn), order_tally.recounted(conn)

    async with db.read() as conn:
        kept, recounted = await conn.run_sync(both)
    assert kept == recounted
    found = await today(db, EVERYTHING)
    by_status: dict[str, int] = {}
    for (_, status), n in recounted[0].items():
        by_status[status] = by_status.get(status, 0) + n
    assert found.statuses == by_status
    return recounted[0]


async def _post(client: AsyncTestClient, auth: dict[str, str], path: str, body: object) -> None:
    r = await client.post(path, json=body, headers=auth)
    assert r.status_code == 200, r.text


async def test_the_tallies_agree_with_a_recount_after_every_change(
    client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    ids = []
    for ref in ("TL-1", "TL-2", "TL-3", "TL-4"):
        r = await client.post("/orders", json=order(ref, ("TEE", 1)), headers=auth)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    assert await _agree(db) == {("callcentre", "received"): 4}

    await _post(client, auth, f"/orders/{ids[0]}/hold", {"reason": "fraud check"})
    await _post(client, auth, f"/orders/{ids[1]}/hold", {"reason": "address"})
    await _post(client, auth, f"/orders/{ids[1]}/release", {})
    await _post(client, auth, f"/orders/{ids[2]}/cancel", {"reason": "buyer asked"})
    counts = await _agree(db)
    assert counts[("callcentre", "on_hold")] == 1
    assert counts[("callcentre", "cancelled")] == 1
    assert sum(counts.values()) == 4

    # the channel sends the order again, placed two days earlier: it leaves its hour
    async with db.read() as conn:
        row = await order_store.get_row(conn, ids[3])
    assert row is not None
    data = order_store.content(row)
    data = msgspec.structs.replace(data, placed_at=(data.placed_at or utcnow()) - timedelta(days=2))
    await db.run_write(
        lambda c: order_store.replace_from_channel(
            c, ids[3], data, "x" * 64, now=utcnow(), search=search_text(row.number, data),
            edits=None,
        )
    )  # fmt: skip
    await _agree(db)
    found = await today(db, EVERYTHING)
    assert sum(found.hours["callcentre"]) == 3  # the chart shows the last day only


async def test_a_channel_key_sees_its_own_channels_counts_only(
    client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    r = await client.post("/orders", json=order("TL-9", ("TEE", 1)), headers=auth)
    assert r.status_code == 201, r.text
    mine = await today(db, Reach(channels=frozenset({"callcentre"}), admin=False, stock=False))
    other = await today(db, Reach(channels=frozenset({"shop-eu"}), admin=False, stock=False))
    assert mine.statuses == {"received": 1} and sum(mine.hours["callcentre"]) == 1
    assert (other.statuses, other.hours) == ({}, {})


async def test_q_finds_orders_by_buyer_and_after_an_edit(
    client: AsyncTestClient, auth: dict[str, str], db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = []
    for ref, name in (("Q-1", "Grace Hopper"), ("Q-2", "Alan Turing"), ("Q-3", "Grace Kelly")):
        body = order(ref, ("TEE", 1))
        body["customer"] = {"name": name, "email": f"{ref.lower()}@example.com"}
        r = await client.post("/orders", json=body, headers=auth)
        assert r.status_code == 201, r.text
        made.append(r.json()["id"])

    async def found(q: str) -> list[str]:
        rows = await order_service.list_orders(db, OrderFilter(q=q), after=None, limit=10)
        return sorted(o.id for o in rows)

    assert await found("grace") == sorted([made[0], made[2]])
    assert await found("ace hop") == [made[0]]  # any part of a word
    assert await found("q-2@exa") == [made[1]]
    assert await found("100%") == []  # LIKE's wildcards are plain text
    address = {"name": "Zelda Quux", "line1": "2 Road", "city": "Leeds", "country": "GB"}
    r = await client.patch(f"/orders/{made[1]}", json={"shipping_address": address}, headers=auth)
    assert r.status_code == 200, r.text
    assert await found("zelda quux") == [made[1]]
    assert await found("turing") == [made[1]]  # the buyer still
    # a text many orders have is looked for along the sort's index: the same answers
    monkeypatch.setattr(order_queries, "COMMON", 1)
    assert await found("grace") == sorted([made[0], made[2]])
    assert await found("zelda quux") == [made[1]]
