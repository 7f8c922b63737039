"""Numbers and dates in, over HTTP on SQLite and PostgreSQL (issues 9 and 10): a float is
never an integer, every integer fits its column, every date lies between 1970 and 2200,
JSON nested past reason is a 400, and a body that breaks several rules hears of all of
them in one 422. None of these is ever a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from hub.store.database import Database
from tests.e2e.test_input_text import ORDER_ID, count_rows, location, order, shipment, sku
from tests.e2e.test_orders_api import assert_problem, load
from tests.e2e.test_stock_api import mv

Body = dict[str, Any]
MAX_UNITS = 2**31 - 1  # an SQL INTEGER column holds no more

# (method, path, body, the field the 422 names)
OUT_OF_RANGE: list[tuple[str, str, Body, str]] = [
    (
        "POST",
        "/orders",
        order(lambda b: b.update(placed_at="9999-12-31T23:59:59-14:00")),
        "placed_at",
    ),
    (
        "POST",
        "/orders",
        order(lambda b: b.update(placed_at="0001-01-01T00:00:00+14:00")),
        "placed_at",
    ),
    ("POST", "/orders", order(lambda b: b.update(placed_at="1969-12-31T23:59:59Z")), "placed_at"),
    ("POST", "/orders", order(lambda b: b.update(ship_by="2200-01-01T00:00:00Z")), "ship_by"),
    (
        "POST",
        f"/fulfilments/{ORDER_ID}/shipments",
        shipment(shipped_at="9999-12-31T23:59:59-14:00"),
        "shipped_at",
    ),
    (
        "POST",
        f"/fulfilments/{ORDER_ID}/shipments",
        shipment(estimated_delivery="0001-01-01"),
        "estimated_delivery",
    ),
    (
        "POST",
        "/stock/movements",
        {"movements": [mv("receipt", "TEE", "main", 2**31)]},
        "movements[0].quantity",
    ),
    (
        "POST",
        "/stock/movements",
        {"movements": [mv("receipt", "TEE", "main", 2**63)]},
        "movements[0].quantity",
    ),
    (
        "POST",
        "/stock/movements",
        {"movements": [mv("adjustment", "TEE", "main", -(2**31) - 1)]},
        "movements[0].quantity",
    ),
    (
        "POST",
        "/stock/movements",
        {"movements": [mv("receipt", "TEE", "main", 10**30)]},
        "movements[0].quantity",
    ),
    ("POST", "/locations", location(priority=2**40), "priority"),
    ("POST", "/locations", location(priority=-(2**40)), "priority"),
    ("POST", "/locations", location(safety_stock=2**31), "safety_stock"),
    ("PUT", "/catalog/skus", sku(components={"MUG": 2**31}), "skus[0].components.MUG"),
    ("POST", "/orders", order(lambda b: b["lines"][0].update(quantity=2**63)), "lines[0].quantity"),
    (
        "POST",
        f"/fulfilments/{ORDER_ID}/shipments",
        shipment(lines=[{"sku": "TEE", "quantity": 2**31}]),
        "lines[0].quantity",
    ),
    (
        "POST",
        f"/fulfilments/{ORDER_ID}/label",
        {"parcel": {"weight_grams": 2**40}},
        "parcel.weight_grams",
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    OUT_OF_RANGE,
    ids=[f"{m} {p.replace(ORDER_ID, 'ID')} {f}" for m, p, _, f in OUT_OF_RANGE],
)
async def test_a_date_or_number_out_of_range_is_refused_naming_the_field(
    client: AsyncTestClient,
    auth: dict[str, str],
    db: Database,
    method: str,
    path: str,
    body: Body,
    field: str,
) -> None:
    await client.post("/locations", json=location(), headers=auth)  # so a movement could apply
    r = await client.request(method, path, json=body, headers=auth)
    assert_problem(r, 422, field)
    assert await count_rows(db) == 1  # the location, and nothing else


async def test_dates_inside_the_range_at_any_offset_are_taken(
    client: AsyncTestClient, auth: dict[str, str]
) -> None:
    body = order(lambda b: b.update(placed_at="1970-01-02T13:59:59+14:00"))
    body["ship_by"] = "2199-12-31T22:00:00-01:00"
    r = await client.post("/orders", json=body, headers=auth)
    assert r.status_code == 201, r.text
    assert (r.json()["placed_at"], r.json()["ship_by"]) == (
        "1970-01-01T23:59:59Z",
        "2199-12-31T23:00:00Z",
    )


async def test_stock_on_hand_never_passes_its_column(
    client: AsyncTestClient, auth: dict[str, str]
) -> None:
    """Each receipt fits, their sum does not: the second is refused and nothing applied."""
    assert (await client.post("/locations", json=location(), headers=auth)).status_code == 201
    batch = {"movements": [mv("receipt", "TEE", "main", MAX_UNITS)]}
    assert (await client.post("/stock/movements", json=batch, headers=auth)).status_code == 201
    batch = {"movements": [mv("receipt", "MUG", "main", 5), mv("receipt", "TEE", "main", 1)]}
    r = await client.post("/stock/movements", json=batch, headers=auth)
    assert_problem(r, 422, "movements[1].quantity")
    stock = (await client.get("/stock/TEE", headers=auth)).json()
    assert stock["locations"][0]["on_hand"] == MAX_UNITS
    assert (await client.get("/stock/MUG", headers=auth)).status_code == 404
    count = {"movements": [mv("count", "TEE", "main", 0), mv("count", "TEE", "main", MAX_UNITS)]}
    assert (await client.post("/stock/movements", json=count, headers=auth)).status_code == 201


FLOATS: list[tuple[str, str, Body, str]] = [
    (
        "POST",
        "/orders",
        order(lambda b: b["lines"][0].update(unit_price=2900.0)),
        "lines[0].unit_price",
    ),
    ("POST", "/orders", order(lambda b: b["lines"][0].update(quantity=2.0)), "lines[0].quantity"),
    ("POST", "/orders", order(lambda b: b["shipping"].update(price=490.0)), "shipping.price"),
    ("POST", "/orders", order(lambda b: b["totals"].update(total="7015")), "totals.total"),
    (
        "POST",
        "/stock/movements",
        {"movements": [mv("receipt", "TEE", "main", 5.0)]},
        "movements[0].quantity",
    ),  # type: ignore[arg-type]
    ("POST", "/locations", location(priority=1.0), "priority"),
    ("PUT", "/catalog/skus", sku(components={"MUG": 2.0}), "skus[0].components.MUG"),
    (
        "POST",
        f"/fulfilments/{ORDER_ID}/label",
        {"parcel": {"weight_grams": 540.0}},
        "parcel.weight_grams",
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    FLOATS,
    ids=[f"{m} {p.replace(ORDER_ID, 'ID')} {f}" for m, p, _, f in FLOATS],
)
async def test_a_float_or_a_string_is_never_an_integer(
    client: AsyncTestClient,
    auth: dict[str, str],
    db: Database,
    method: str,
    path: str,
    body: Body,
    field: str,
) -> None:
    r = await client.request(method, path, json=body, headers=auth)
    problem = assert_problem(r, 422, field)
    assert "Expected int" in problem["detail"]
    assert await count_rows(db) == 0


DEEP = "@@DEEP@@"


@pytest.mark.parametrize("depth", [1_000, 5_000])
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/orders", DEEP),
        ("POST", "/orders", order(lambda b: b.update(note=DEEP))),
        ("PUT", "/catalog/skus", sku(attributes={"a": DEEP})),
        ("POST", "/stock/movements", {"movements": DEEP}),
        ("POST", "/locations", location(address=DEEP)),
    ],
    ids=["order", "order-note", "sku-attributes", "movements", "location"],
)
async def test_json_nested_past_reason_is_a_400(
    client: AsyncTestClient,
    auth: dict[str, str],
    db: Database,
    method: str,
    path: str,
    body: Any,
    depth: int,
) -> None:
    nested = b"[" * depth + b"]" * depth
    raw = json.dumps(body).encode().replace(json.dumps(DEEP).encode(), nested)
    headers = {**auth, "Content-Type": "application/json"}
    r = await client.request(method, path, content=raw, headers=headers)
    problem = assert_problem(r, 400)
    assert "nested too deeply" in problem["detail"]
    assert await count_rows(db) == 0


# --- all errors at once (issue 10) --------------------------------------------------------


async def test_a_float_price_and_a_wrong_total_are_refused_together(
    client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    body = load("order_callcentre")
    body["lines"][0]["unit_price"] = 2900.0
    body["totals"]["total"] = 7016
    problem = assert_problem(await client.post("/orders", json=body, headers=auth), 422)
    fields = [e["field"] for e in problem["errors"]]
    assert sorted(fields) == ["lines[0].unit_price", "totals.total"], problem
    assert "lines[0].unit_price" in problem["detail"] and "totals.total" in problem["detail"]
    assert await count_rows(db) == 0


async def test_every_field_error_of_a_body_comes_in_one_answer(
    client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    body = load("order_callcentre")
    body["external_id"] = "CC\x00"
    body["currency"] = "eur"
    body["lines"][0]["unit_price"] = 2900.0
    body["lines"][1]["quantity"] = 0
    del body["lines"][2]["sku"]
    body["shipping_address"]["country"] = "Germany"
    body["placed_at"] = "2025-03-14T10:22:30"
    problem = assert_problem(await client.post("/orders", json=body, headers=auth), 422)
    assert {e["field"] for e in problem["errors"]} == {
        "external_id",
        "currency",
        "lines[0].unit_price",
        "lines[1].quantity",
        "lines[2].sku",
        "shipping_address.country",
        "placed_at",
    }
    batch = {
        "skus": [
            {"sku": "A", "name": "A", "components": {"B": 0}},
            {"sku": "B", "name": ""},
            {"sku": "C", "name": "C", "listings": {"Shop EU": "1"}},
        ]
    }
    problem = assert_problem(await client.put("/catalog/skus", json=batch, headers=auth), 422)
    assert {e["field"] for e in problem["errors"]} == {
        "skus[0].components.B",
        "skus[1].name",
        "skus[2].listings.Shop EU",
    }
    assert await count_rows(db) == 0
