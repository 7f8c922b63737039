"""Text in, over HTTP on SQLite and PostgreSQL (issue 9): NUL and other control characters
are refused with 422 naming the field on every body, free text keeps its tabs and line
breaks, a body that is not JSON gets 415, a path parameter no row can have gets 404 and a
query parameter with a control character 400, and OPTIONS answers every route without a
key and without a word about the hub's insides."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from hub.api.app import create_app
from hub.config import Settings
from hub.store.database import Database
from hub.store.tables import locations, orders, shipments, skus, stock_movements
from tests.e2e.test_orders_api import assert_problem, load
from tests.e2e.test_stock_api import mv

Body = dict[str, Any]
ORDER_ID = "01JQ0000000000000000000000"  # well-formed, never stored: bodies are read first
ANYWHERE = (orders, skus, stock_movements, locations, shipments)


def order(change: Callable[[Body], None]) -> Body:
    body = load("order_callcentre")
    change(body)
    return body


def sku(**fields: Any) -> Body:
    return {"skus": [{"sku": "TEE-M", "name": "Tee", **fields}]}


def location(**fields: Any) -> Body:
    return {"code": "main", "name": "Main", **fields}


def shipment(**fields: Any) -> Body:
    return {"carrier": "DHL", "tracking_number": "JD01", **fields}


ADDRESS = {"line1": "Torstr. 12", "city": "Berlin", "country": "DE"}
# (method, path, body, the field the 422 names)
CONTROL: list[tuple[str, str, Body, str]] = [
    ("POST", "/orders", order(lambda b: b.update(external_id="X\x00")), "external_id"),
    ("POST", "/orders", order(lambda b: b["lines"][0].update(sku="TEE\x00")), "lines[0].sku"),
    ("POST", "/orders", order(lambda b: b["lines"][1].update(name="M\x1bug")), "lines[1].name"),
    ("POST", "/orders", order(lambda b: b["customer"].update(name="Ana\nLima")), "customer.name"),
    (
        "POST",
        "/orders",
        order(lambda b: b["shipping_address"].update(line1="Torstr.\t12")),
        "shipping_address.line1",
    ),
    ("POST", "/orders", order(lambda b: b.update(tags=["ok", "\x7f"])), "tags[1]"),
    ("POST", "/orders", order(lambda b: b.update(note="door\x00")), "note"),
    ("POST", "/orders", order(lambda b: b.update(channel="shop-eu\n")), "channel"),
    ("POST", f"/orders/{ORDER_ID}/hold", {"reason": "why\x00"}, "reason"),
    ("POST", f"/orders/{ORDER_ID}/cancel", {"reason": "\x08"}, "reason"),
    ("POST", f"/orders/{ORDER_ID}/release", {"reason": "go\x00"}, "reason"),
    ("PUT", "/catalog/skus", {"skus": [{"sku": "TEE\x00", "name": "Tee"}]}, "skus[0].sku"),
    ("PUT", "/catalog/skus", sku(name="Tee\x00"), "skus[0].name"),
    ("PUT", "/catalog/skus", sku(aliases=["T\x00"]), "skus[0].aliases[0]"),
    ("PUT", "/catalog/skus", sku(listings={"shop": "44\x00"}), "skus[0].listings.shop"),
    ("PUT", "/catalog/skus", sku(attributes={"size": "M\x00"}), "skus[0].attributes.size"),
    ("PUT", "/catalog/skus", sku(attributes={"si\x00ze": "M"}), "skus[0].attributes.si\x00ze"),
    (
        "POST",
        "/stock/movements",
        {"movements": [mv("receipt", "T\x00", "main", 1)]},
        "movements[0].sku",
    ),
    (
        "POST",
        "/stock/movements",
        {"movements": [mv("receipt", "TEE", "ma\x00in", 1)]},
        "movements[0].location",
    ),
    (
        "POST",
        "/stock/movements",
        {"movements": [mv("receipt", "TEE", "main", 1, "in\x00")]},
        "movements[0].reason",
    ),
    ("POST", "/locations", location(name="Main\x00"), "name"),
    ("POST", "/locations", location(region="I\x00"), "region"),
    ("POST", "/locations", location(address={**ADDRESS, "city": "B\x00"}), "address.city"),
    ("POST", f"/fulfilments/{ORDER_ID}/shipments", shipment(carrier="D\x00HL"), "carrier"),
    (
        "POST",
        f"/fulfilments/{ORDER_ID}/shipments",
        shipment(tracking_number="JD\n01"),
        "tracking_number",
    ),
    (
        "POST",
        f"/fulfilments/{ORDER_ID}/shipments",
        shipment(lines=[{"sku": "T\x00", "quantity": 1}]),
        "lines[0].sku",
    ),
    (
        "POST",
        f"/fulfilments/{ORDER_ID}/label",
        {"parcel": {"weight_grams": 500}, "carrier_connection": "ups\x00"},
        "carrier_connection",
    ),
]


async def count_rows(db: Database) -> int:
    async with db.read() as conn:
        total = 0
        for table in ANYWHERE:
            query = select(func.count()).select_from(table)
            total += int((await conn.execute(query)).scalar_one())
        return total


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    CONTROL,
    ids=[f"{m} {p.replace(ORDER_ID, 'ID')} {f}" for m, p, _, f in CONTROL],
)
async def test_a_control_character_is_refused_naming_the_field(
    client: AsyncTestClient,
    auth: dict[str, str],
    db: Database,
    method: str,
    path: str,
    body: Body,
    field: str,
) -> None:
    r = await client.request(method, path, json=body, headers=auth)
    assert_problem(r, 422, field)
    assert await count_rows(db) == 0


async def test_free_text_keeps_tabs_and_line_breaks(
    client: AsyncTestClient, auth: dict[str, str]
) -> None:
    note = "Leave at the door.\n\tIf out:\r\nneighbour, flat 2"
    r = await client.post("/orders", json=order(lambda b: b.update(note=note)), headers=auth)
    assert r.status_code == 201, r.text
    order_id = r.json()["id"]
    r = await client.post(f"/orders/{order_id}/hold", json={"reason": "call\nfirst"}, headers=auth)
    assert r.status_code == 200, r.text
    detail = (await client.get(f"/orders/{order_id}", headers=auth)).json()
    assert detail["note"] == note
    assert detail["timeline"][-1]["detail"]["reason"] == "call\nfirst"


# --- 415 ----------------------------------------------------------------------------------

JSON_ROUTES: list[tuple[str, str, Body]] = [
    ("POST", "/orders", load("order_callcentre")),
    ("POST", f"/orders/{ORDER_ID}/hold", {"reason": "x"}),
    ("PUT", "/catalog/skus", sku()),
    ("POST", "/stock/movements", {"movements": [mv("receipt", "TEE", "main", 1)]}),
    ("POST", "/locations", location()),
    ("POST", f"/fulfilments/{ORDER_ID}/shipments", shipment()),
    ("POST", f"/fulfilments/{ORDER_ID}/label", {"parcel": {"weight_grams": 500}}),
]


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
@pytest.mark.parametrize(
    ("method", "path", "body"), JSON_ROUTES, ids=[p for _, p, _ in JSON_ROUTES]
)
async def test_a_body_that_is_not_sent_as_json_is_415(
    client: AsyncTestClient,
    auth: dict[str, str],
    db: Database,
    method: str,
    path: str,
    body: Body,
    content_type: str | None,
) -> None:
    headers = dict(auth)
    if content_type is not None:
        headers["Content-Type"] = content_type
    r = await client.request(method, path, content=json.dumps(body).encode(), headers=headers)
    problem = assert_problem(r, 415)
    assert "application/json" in problem["detail"]
    assert await count_rows(db) == 0


async def test_json_with_parameters_or_a_json_suffix_is_json(
    client: AsyncTestClient, auth: dict[str, str]
) -> None:
    raw = json.dumps(load("order_callcentre")).encode()
    for media in (
        "application/json; charset=utf-8",
        "Application/JSON",
        "application/vnd.hub+json",
    ):
        r = await client.post("/orders", content=raw, headers={**auth, "Content-Type": media})
        assert r.status_code in (200, 201), (media, r.text)


async def test_an_action_without_a_body_needs_no_content_type(
    client: AsyncTestClient, auth: dict[str, str]
) -> None:
    r = await client.post("/orders", json=load("order_callcentre"), headers=auth)
    r = await client.post(f"/orders/{r.json()['id']}/hold", headers=auth)
    assert r.status_code == 200, r.text


# --- paths that cannot exist --------------------------------------------------------------

IMPOSSIBLE = [
    ("GET", "/orders/%00"),
    ("GET", "/orders/H-1%0A"),
    ("POST", "/orders/%00/hold"),
    ("GET", "/catalog/skus/%00"),
    ("GET", "/stock/%00"),
    ("GET", "/stock/TEE%1F"),
    ("GET", "/track/%00"),
    ("GET", "/fulfilments/%00"),
    ("GET", "/fulfilments/%00/label"),
    ("GET", "/inbound/%00"),
    ("POST", "/inbound/%00/replay"),
    ("POST", f"/jobs/{10**20}/replay"),
    ("POST", f"/jobs/{2**63}/replay"),
    ("POST", f"/jobs/{2**63 - 1}/replay"),
    ("POST", "/jobs/-1/replay"),
    ("GET", "/orders/" + "X" * 5000),
]


@pytest.mark.parametrize(
    ("method", "path"), IMPOSSIBLE, ids=[f"{m} {p[:40]}" for m, p in IMPOSSIBLE]
)
async def test_a_path_no_row_can_have_is_404(
    client: AsyncTestClient, auth: dict[str, str], method: str, path: str
) -> None:
    assert_problem(await client.request(method, path, headers=auth), 404)


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}:]+:int\}", "1", re.sub(r"\{[^}:]+:(str|path)\}", "x", path))


async def test_options_answers_every_route_without_a_key(settings: Settings) -> None:
    app = create_app(settings, run_worker=False)
    paths = sorted({_concrete(route.path) for route in app.routes})
    assert "/jobs" in paths and "/locations" in paths and "/inbound/x" in paths
    async with AsyncTestClient(app=app) as client:
        for path in paths:
            r = await client.options(path)
            assert r.status_code in (200, 204, 404), (path, r.status_code, r.text)
            assert "AuthMiddleware" not in r.text and "scope" not in r.text, (path, r.text)
            if r.status_code != 404:
                assert "OPTIONS" in r.headers["allow"], (path, r.headers)
        # and a method the middleware does not let through unread still needs a key
        r = await client.get("/jobs")
        assert_problem(r, 401)


QUERIES = [
    "/orders?channel=%00",
    "/orders?status=received&channel=shop%0A",
    "/catalog/skus?after=%00",
    "/stock/sync?connection=%00",
    "/stock/drift?connection=%1B",
    "/jobs?kind=%00",
    "/inbound?connection=%00",
    "/fulfilments?location=%00",
]


@pytest.mark.parametrize("path", QUERIES)
async def test_a_query_parameter_with_a_control_character_is_400(
    client: AsyncTestClient, auth: dict[str, str], path: str
) -> None:
    name = path.split("=")[-2].rsplit("&", 1)[-1].split("?")[-1]
    assert_problem(await client.get(path, headers=auth), 400, name)
