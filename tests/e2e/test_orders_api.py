"""``/orders`` end to end over the real app, on SQLite and PostgreSQL.

Covers creation and the hub-assigned fields, reads and listing with filters and cursor
pagination, Idempotency-Key replay, natural-key dedupe, refusal of bad input (with nothing
written), and the hold / release / cancel lifecycle as seen in the timeline.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from hub.bootstrap import build_registry
from hub.config import Settings
from hub.store.database import Database
from hub.store.tables import idempotency_keys, jobs, order_events, order_lines, orders
from tests.conftest import PAYLOADS
from tests.support.channels import with_channels
from tests.support.jobs import run_once_counting

Body = dict[str, Any]
PROBLEM_JSON = "application/problem+json"
NUMBER = re.compile(r"^H-\d{6,}$")
PUBLIC_REF = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$")


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The channels these tests send orders for, configured: an order's channel must exist."""
    return with_channels(settings, tmp_path, "shop-eu", "shop-us", "shop-jp")


def load(name: str) -> Body:
    body: Body = json.loads((PAYLOADS / f"{name}.json").read_text())
    return body


def assert_problem(r: httpx.Response, status: int, field: str | None = None) -> Body:
    """``r`` is a problem+json answer with ``status`` that names ``field`` among its errors."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM_JSON), r.headers
    problem: Body = r.json()
    assert problem["status"] == status
    assert problem["title"] and problem["detail"]
    if field is not None:
        fields = [e["field"] for e in problem.get("errors", [])]
        assert field in fields, problem
    return problem


async def count(db: Database, table: Any) -> int:
    async with db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def assert_nothing_written(
    client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    r = await client.get("/orders", headers=auth)
    assert r.status_code == 200, r.text
    assert r.json() == {"items": [], "next_cursor": None}
    for table in (orders, order_lines, order_events, jobs, idempotency_keys):
        assert await count(db, table) == 0, table.name


async def create(
    client: AsyncTestClient, auth: dict[str, str], body: Body, **headers: str
) -> httpx.Response:
    r = await client.post("/orders", json=body, headers={**auth, **headers})
    assert r.status_code in (200, 201), r.text
    return r


# --- creation and reads -----------------------------------------------------------------


async def test_create_assigns_hub_fields_and_normalises_placed_at(
    client: AsyncTestClient, auth: dict[str, str]
) -> None:
    body = load("order_callcentre")
    r = await client.post("/orders", json=body, headers=auth)
    assert r.status_code == 201, r.text
    assert r.headers["content-type"].startswith("application/json")
    order = r.json()
    assert r.headers["location"] == f"/orders/{order['id']}"
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{26}", order["id"])
    assert order["number"] == "H-100001"
    assert PUBLIC_REF.match(order["public_ref"])
    assert order["status"] == "received"
    assert order["channel"] == "callcentre"  # omitted in the body, admin key: the default
    assert order["placed_at"] == "2025-03-14T09:22:30Z"  # +01:00 in the body
    # The channel's own data comes back untouched.
    for name in ("external_id", "external_number", "currency", "customer", "shipping_address"):
        assert order[name] == body[name], name
    assert order["lines"] == body["lines"]
    assert order["totals"] == body["totals"]

    second = load("order_tax_exclusive_jpy")
    r2 = await client.post("/orders", json=second, headers=auth)
    assert r2.status_code == 201, r2.text
    o2 = r2.json()
    assert o2["number"] == "H-100002"
    assert o2["channel"] == "shop-jp"
    assert o2["placed_at"] == "2025-03-14T23:30:00Z"  # 08:30 +09:00 the next day
    assert o2["public_ref"] != order["public_ref"]
    assert o2["id"] != order["id"]


async def test_get_returns_the_order_with_its_timeline(
    client: AsyncTestClient, auth: dict[str, str]
) -> None:
    created = (await create(client, auth, load("order_callcentre"))).json()
    r = await client.get(f"/orders/{created['id']}", headers=auth)
    assert r.status_code == 200, r.text
    detail = r.json()
    timeline = detail.pop("timeline")
    # the detail adds the recorded transactions: "paid" is a capture of the total
    [capture] = detail["payment"].pop("transactions")
    assert (capture["kind"], capture["amount"], capture["source"]) == ("capture", 7015, "status")
    assert detail == created
    assert len(timeline) == 1
    event = timeline[0]
    assert event["kind"] == "received"
    assert event["actor"] == "key:admin"
    assert event["to_status"] == "received"
    assert event["at"].endswith("Z") or event["at"].endswith("+00:00")


async def test_order_without_placed_at_gets_received_time(
    client: AsyncTestClient, auth: dict[str, str]
) -> None:
    body = load("order_minimal")
    del body["placed_at"]
    order = (await create(client, auth, body)).json()
    assert order["placed_at"] == order["received_at"]
    # The same body again is the same order, though "now" has moved on.
    again = await client.post("/orders", json=body, headers=auth)
    assert again.status_code == 200, again.text
    assert again.json()["id"] == order["id"]


async def test_unknown_order_is_404(client: AsyncTestClient, auth: dict[str, str]) -> None:
    missing = "01J00000000000000000000000"
    assert_problem(await client.get(f"/orders/{missing}", headers=auth), 404)
    for action in ("hold", "release", "cancel"):
        assert_problem(await client.post(f"/orders/{missing}/{action}", headers=auth), 404)


# --- listing ----------------------------------------------------------------------------


def _variant(n: int, *, channel: str | None = None, placed_at: str | None = None) -> Body:
    body = load("order_minimal")
    body["external_id"] = f"MIN-{n}"
    if channel is not None:
        body["channel"] = channel
    if placed_at is not None:
        body["placed_at"] = placed_at
    return body


async def _ids(client: AsyncTestClient, auth: dict[str, str], **params: str) -> set[str]:
    r = await client.get("/orders", params=params, headers=auth)
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["next_cursor"] is None
    return {o["id"] for o in page["items"]}


async def test_list_filters_by_channel_status_and_placed_at(
    client: AsyncTestClient, auth: dict[str, str]
) -> None:
    async def make(n: int, channel: str, placed_at: str) -> str:
        r = await create(client, auth, _variant(n, channel=channel, placed_at=placed_at))
        return str(r.json()["id"])

    eu_1 = await make(1, "shop-eu", "2025-03-01T10:00:00Z")
    eu_2 = await make(2, "shop-eu", "2025-03-02T10:00:00Z")
    us_1 = await make(3, "shop-us", "2025-03-02T23:30:00-05:00")  # 2025-03-03T04:30Z
    cc_1 = await make(4, "callcentre", "2025-03-04T00:00:00Z")
    r = await client.post(f"/orders/{eu_2}/cancel", headers=auth)
    assert r.status_code == 200, r.text

    assert await _ids(client, auth) == {eu_1, eu_2, us_1, cc_1}
    assert await _ids(client, auth, channel="shop-eu") == {eu_1, eu_2}
    assert await _ids(client, auth, channel="shop-us") == {us_1}
    assert await _ids(client, auth, channel="nowhere") == set()
    assert await _ids(client, auth, status="cancelled") == {eu_2}
    assert await _ids(client, auth, status="received") == {eu_1, us_1, cc_1}
    assert await _ids(client, auth, status="received", channel="shop-eu") == {eu_1}
    # placed_since is inclusive, placed_until exclusive; both compare instants, not wall clocks.
    assert await _ids(client, auth, placed_since="2025-03-02T10:00:00Z") == {eu_2, us_1, cc_1}
    assert await _ids(client, auth, placed_until="2025-03-02T10:00:00Z") == {eu_1}
    assert await _ids(
        client, auth, placed_since="2025-03-03T00:00:00Z", placed_until="2025-03-04T00:00:00Z"
    ) == {us_1}
    # 05:00+01:00 is 04:00Z: us_1 (04:30Z) is after it.
    assert await _ids(
        client, auth, placed_since="2025-03-03T05:00:00+01:00", placed_until="2025-03-03T05:00:00Z"
    ) == {us_1}

    bad = await client.get("/orders", params={"status": "lost"}, headers=auth)
    assert_problem(bad, 400, "status")
    naive = {"placed_since": "2025-03-01T00:00:00"}
    assert_problem(await client.get("/orders", params=naive, headers=auth), 400, "placed_since")


async def test_cursor_pagination_walks_every_order_once(
    client: AsyncTestClient, auth: dict[str, str]
) -> None:
    created = [(await create(client, auth, _variant(n))).json()["id"] for n in range(7)]
    seen: list[str] = []
    sizes: list[int] = []
    cursor: str | None = None
    for _ in range(10):
        params = {"limit": "3"} if cursor is None else {"limit": "3", "cursor": cursor}
        r = await client.get("/orders", params=params, headers=auth)
        assert r.status_code == 200, r.text
        page = r.json()
        sizes.append(len(page["items"]))
        seen.extend(o["id"] for o in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sizes == [3, 3, 1]
    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == set(created)
    assert seen == sorted(seen, reverse=True)  # newest first

    # Exactly a full last page: no empty page after it.
    r = await client.get("/orders", params={"limit": "7"}, headers=auth)
    assert len(r.json()["items"]) == 7 and r.json()["next_cursor"] is None
    bad = await client.get("/orders", params={"cursor": "not-a-cursor"}, headers=auth)
    assert_problem(bad, 400, "cursor")


# --- idempotency and dedupe -------------------------------------------------------------


async def test_idempotency_key_replays_the_first_answer(
    client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    body = load("order_callcentre")
    headers = {**auth, "Idempotency-Key": "req-7f3a"}
    first = await client.post("/orders", json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers

    again = await client.post("/orders", json=body, headers=headers)
    assert again.status_code == 201
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["location"] == first.headers["location"]

    # The replay is of the first answer even after the order moved on.
    order_id = first.json()["id"]
    assert (await client.post(f"/orders/{order_id}/hold", headers=auth)).status_code == 200
    later = await client.post("/orders", json=body, headers=headers)
    assert later.status_code == 201
    assert later.content == first.content

    listing = (await client.get("/orders", headers=auth)).json()
    assert [o["id"] for o in listing["items"]] == [order_id]
    assert await count(db, jobs) == 1


async def test_idempotency_key_with_another_body_is_refused(
    client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    headers = {**auth, "Idempotency-Key": "req-1"}
    first = await client.post("/orders", json=load("order_callcentre"), headers=headers)
    assert first.status_code == 201, first.text
    other = load("order_minimal")
    r = await client.post("/orders", json=other, headers=headers)
    problem = assert_problem(r, 422, "Idempotency-Key")
    assert "Idempotency-Key" in problem["detail"]
    assert "idempotent-replayed" not in r.headers

    listing = (await client.get("/orders", headers=auth)).json()
    assert [o["id"] for o in listing["items"]] == [first.json()["id"]]
    assert await count(db, jobs) == 1
    # A fresh key for the other body works.
    fresh = await client.post("/orders", json=other, headers={**auth, "Idempotency-Key": "req-2"})
    assert fresh.status_code == 201, fresh.text

    too_long = await client.post(
        "/orders",
        json=load("order_tax_exclusive_jpy"),
        headers={**auth, "Idempotency-Key": "k" * 256},
    )
    assert_problem(too_long, 422, "Idempotency-Key")


async def test_same_external_id_and_content_is_the_same_order(
    client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    body = load("order_callcentre")
    first = await client.post("/orders", json=body, headers=auth)
    assert first.status_code == 201, first.text
    again = await client.post("/orders", json=body, headers=auth)
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    # The same instant written with another offset is the same content.
    shifted = copy.deepcopy(body)
    shifted["placed_at"] = "2025-03-14T09:22:30Z"
    r = await client.post("/orders", json=shifted, headers=auth)
    assert r.status_code == 200, r.text
    assert r.json()["id"] == first.json()["id"]

    assert len((await client.get("/orders", headers=auth)).json()["items"]) == 1
    assert await count(db, jobs) == 1
    assert await count(db, order_events) == 1


async def test_same_external_id_with_other_content_is_a_conflict(
    client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    body = load("order_callcentre")
    first = await client.post("/orders", json=body, headers=auth)
    assert first.status_code == 201, first.text
    changed = copy.deepcopy(body)
    changed["note"] = "Ring twice"
    problem = assert_problem(await client.post("/orders", json=changed, headers=auth), 409)
    assert "external_id" in [e["field"] for e in problem["errors"]]
    assert "CC-1042" in problem["detail"]

    # The same external_id on another channel is another order.
    elsewhere = copy.deepcopy(body)
    elsewhere["channel"] = "shop-eu"
    r = await client.post("/orders", json=elsewhere, headers=auth)
    assert r.status_code == 201, r.text

    stored = (await client.get(f"/orders/{first.json()['id']}", headers=auth)).json()
    assert stored["note"] == "Leave at the door"
    assert len((await client.get("/orders", headers=auth)).json()["items"]) == 2
    assert await count(db, jobs) == 2


# --- bad input --------------------------------------------------------------------------


def _set(path: str, value: Any) -> Callable[[Body], None]:
    def apply(body: Body) -> None:
        *parents, last = re.findall(r"[^.\[\]]+", path)
        node: Any = body
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return apply


BAD_BODIES: list[tuple[str, Callable[[Body], None], str]] = [
    ("quantity-not-int", _set("lines[0].quantity", "x"), "lines[0].quantity"),
    ("quantity-zero", _set("lines[0].quantity", 0), "lines[0].quantity"),
    ("price-negative", _set("lines[1].unit_price", -1), "lines[1].unit_price"),
    ("price-float", _set("lines[1].unit_price", 14.5), "lines[1].unit_price"),
    ("currency-unknown", _set("currency", "ZZZ"), "currency"),
    ("currency-no-minor-unit", _set("currency", "XAU"), "currency"),
    ("currency-lowercase", _set("currency", "eur"), "currency"),
    ("country-unknown", _set("shipping_address.country", "XX"), "shipping_address.country"),
    ("country-name", _set("shipping_address.country", "Germany"), "shipping_address.country"),
    ("total-wrong", _set("totals.total", 7016), "totals.total"),
    ("subtotal-not-lines", _set("lines[0].unit_price", 3000), "totals.subtotal"),
    ("lines-empty", _set("lines", []), "lines"),
    ("lines-missing", lambda b: b.pop("lines"), "lines"),
    ("line1-missing", lambda b: b["shipping_address"].pop("line1"), "shipping_address.line1"),
    ("sku-missing", lambda b: b["lines"][1].pop("sku"), "lines[1].sku"),
    ("line-discount-over-value", _set("lines[2].discount", 1), "lines[2].discount"),
    ("placed-at-naive", _set("placed_at", "2025-03-14T10:22:30"), "placed_at"),
    ("status-unknown", _set("payment.status", "maybe"), "payment.status"),
    ("channel-bad", _set("channel", "Shop EU"), "channel"),
]


@pytest.mark.parametrize(
    ("mutate", "field"), [(m, f) for _, m, f in BAD_BODIES], ids=[n for n, _, _ in BAD_BODIES]
)
async def test_invalid_order_is_refused_naming_the_field(
    client: AsyncTestClient,
    auth: dict[str, str],
    db: Database,
    mutate: Callable[[Body], None],
    field: str,
) -> None:
    body = load("order_callcentre")
    mutate(body)
    r = await client.post("/orders", json=body, headers={**auth, "Idempotency-Key": "bad-1"})
    problem = assert_problem(r, 422, field)
    assert field in problem["detail"]
    await assert_nothing_written(client, auth, db)


async def test_several_rule_errors_are_reported_together(
    client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    body = load("order_callcentre")
    body["currency"] = "ZZZ"
    body["shipping_address"]["country"] = "XX"
    body["totals"]["total"] = 1
    problem = assert_problem(await client.post("/orders", json=body, headers=auth), 422)
    fields = {e["field"] for e in problem["errors"]}
    assert {"currency", "shipping_address.country", "totals.total"} <= fields
    await assert_nothing_written(client, auth, db)


async def test_malformed_json_is_400(
    client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    raw = (PAYLOADS / "order_callcentre.json").read_bytes()[:-20]  # cut off mid-object
    r = await client.post(
        "/orders", content=raw, headers={**auth, "Content-Type": "application/json"}
    )
    assert_problem(r, 400)
    r2 = await client.post(
        "/orders", content=b"not json", headers={**auth, "Content-Type": "application/json"}
    )
    assert_problem(r2, 400)
    await assert_nothing_written(client, auth, db)


async def test_json_that_is_not_an_object_is_refused(
    client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    r = await client.post("/orders", json=[1, 2, 3], headers=auth)
    assert_problem(r, 422, "body")
    await assert_nothing_written(client, auth, db)


async def test_body_over_the_limit_is_413(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    body = load("order_callcentre")
    body["note"] = "x" * (5 * 1024 * 1024)
    raw = json.dumps(body).encode()
    assert len(raw) > settings.max_body_bytes
    r = await client.post(
        "/orders", content=raw, headers={**auth, "Content-Type": "application/json"}
    )
    assert_problem(r, 413)
    await assert_nothing_written(client, auth, db)


# --- lifecycle --------------------------------------------------------------------------


async def _act(
    client: AsyncTestClient, auth: dict[str, str], order_id: str, action: str, reason: str
) -> httpx.Response:
    return await client.post(f"/orders/{order_id}/{action}", json={"reason": reason}, headers=auth)


async def _timeline(client: AsyncTestClient, auth: dict[str, str], order_id: str) -> list[Body]:
    r = await client.get(f"/orders/{order_id}", headers=auth)
    assert r.status_code == 200, r.text
    timeline: list[Body] = r.json()["timeline"]
    return timeline


async def test_hold_release_cancel_from_received(
    client: AsyncTestClient, auth: dict[str, str]
) -> None:
    order_id = (await create(client, auth, load("order_callcentre"))).json()["id"]

    r = await _act(client, auth, order_id, "hold", "address check")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "on_hold"
    assert r.json()["id"] == order_id

    r = await _act(client, auth, order_id, "release", "address confirmed")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "received"

    assert_problem(await _act(client, auth, order_id, "release", "twice"), 409, "status")

    r = await _act(client, auth, order_id, "cancel", "customer asked")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled"

    assert_problem(await _act(client, auth, order_id, "cancel", "again"), 409, "status")
    assert_problem(await _act(client, auth, order_id, "hold", "too late"), 409, "status")

    timeline = await _timeline(client, auth, order_id)
    assert [
        (e["kind"], e["from_status"], e["to_status"], e["actor"], (e["detail"] or {}).get("reason"))
        for e in timeline
    ] == [
        ("received", None, "received", "key:admin", None),
        ("hold", "received", "on_hold", "key:admin", "address check"),
        ("release", "on_hold", "received", "key:admin", "address confirmed"),
        ("cancel", "received", "cancelled", "key:admin", "customer asked"),
    ]
    ats = [e["at"] for e in timeline]
    assert ats == sorted(ats)
    got = (await client.get(f"/orders/{order_id}", headers=auth)).json()
    assert got["status"] == "cancelled"


async def stock_up(client: AsyncTestClient, auth: dict[str, str], sku: str, units: int) -> None:
    """A location and ``units`` of ``sku`` in it, so the accept job can reserve."""
    r = await client.post("/locations", json={"code": "main", "name": "Main"}, headers=auth)
    assert r.status_code in (201, 409), r.text
    movement = {"kind": "receipt", "sku": sku, "location": "main", "quantity": units}
    r = await client.post(
        "/stock/movements", json={"movements": [{**movement, "reason": "test"}]}, headers=auth
    )
    assert r.status_code == 201, r.text


async def test_the_accept_job_reserves_routes_and_releases_and_cancel_undoes_it(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    await stock_up(client, auth, "BOOK-NOTES", 3)
    order_id = (await create(client, auth, load("order_minimal"))).json()["id"]
    ran = await run_once_counting(db, build_registry(settings), settings)
    assert ran == 1
    got = (await client.get(f"/orders/{order_id}", headers=auth)).json()
    assert got["status"] == "released"
    fulfilment = got["timeline"][-1]["detail"]["fulfilments"][0]

    # Work has gone to the warehouse: a hold is refused; a cancellation is not.
    r = await _act(client, auth, order_id, "hold", "fraud review")
    assert r.status_code == 409, r.text
    r = await client.post(f"/orders/{order_id}/cancel", headers=auth)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled"
    assert r.json()["payment"]["refund_due"] == 3500  # it was paid: the buyer is owed it

    timeline = await _timeline(client, auth, order_id)
    assert [(e["kind"], e["actor"], e["to_status"]) for e in timeline] == [
        ("received", "key:admin", "received"),
        ("accept", "worker", "accepted"),
        ("route", "worker", "allocated"),
        ("release", "worker", "released"),
        ("cancel", "key:admin", "cancelled"),
    ]
    assert timeline[2]["detail"]["rule"] == "default"
    cancelled = timeline[4]["detail"]
    due = cancelled.pop("refund_due")
    assert (due["amount"], due["action"]) == (3500, "refund")  # it was paid: all of it back
    assert cancelled == {"released_units": 3, "cancelled_fulfilments": [fulfilment]}
    assert (await client.get("/stock/BOOK-NOTES", headers=auth)).json()["reserved"] == 0
    r = await client.get(f"/fulfilments/{fulfilment}", headers=auth)
    assert r.json()["status"] == "cancelled"

    # A second run of the worker finds nothing: the job is done, not redone.
    assert await run_once_counting(db, build_registry(settings), settings) == 0


async def test_accept_job_leaves_a_held_order_alone(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    order_id = (await create(client, auth, load("order_minimal"))).json()["id"]
    assert (await _act(client, auth, order_id, "hold", "wait")).status_code == 200
    assert await run_once_counting(db, build_registry(settings), settings) == 1
    got = (await client.get(f"/orders/{order_id}", headers=auth)).json()
    assert got["status"] == "on_hold"
    r = await _act(client, auth, order_id, "release", "go")
    assert r.json()["status"] == "received"


async def test_action_body_is_checked(client: AsyncTestClient, auth: dict[str, str]) -> None:
    order_id = (await create(client, auth, load("order_minimal"))).json()["id"]
    r = await client.post(f"/orders/{order_id}/hold", json={"reason": "r" * 501}, headers=auth)
    assert_problem(r, 422, "reason")
    r = await client.post(f"/orders/{order_id}/hold", json={"why": "typo"}, headers=auth)
    assert_problem(r, 422)
    assert (await client.get(f"/orders/{order_id}", headers=auth)).json()["status"] == "received"
    assert len(await _timeline(client, auth, order_id)) == 1
