"""Stock out to Square (BatchChangeInventory) and read back (BatchRetrieveInventoryCounts),
with respx at Square's edge."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import respx

from connectors.square import connector
from hub.sdk import Connection, FatalError, PartnerHttp, StockFigure

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BASE = "https://connect.squareup.com"
CHANGES_URL = f"{BASE}/v2/inventory/changes/batch-create"
COUNTS_URL = f"{BASE}/v2/inventory/counts/batch-retrieve"
TOKEN = "EAAA-test-access-token"
LOCATION = "L8K2T6Q3XVZ9A"
CONNECTION = Connection(
    code="square-pos",
    connector="square",
    settings={"location_id": LOCATION},
    secrets={"signature_key": "sig", "access_token": TOKEN},
)
TOTE, PIN = "2DSZ3LBRW5OVVN3TXRNEJJOK", "UQ6YDM5F4ARH7XAVO3ZPAOPD"


@pytest.fixture
async def http() -> AsyncIterator[PartnerHttp]:
    async with httpx.AsyncClient() as client:
        yield PartnerHttp(client, attempts=3, max_wait=5.0, backoff=0.001)


def ok(content: str = "inventory_changes_answer.json") -> httpx.Response:
    return httpx.Response(200, content=(FIXTURES / content).read_bytes())


async def push(http: PartnerHttp, figures: list[StockFigure], conn: Connection = CONNECTION):
    return await connector.push_stock(conn, figures, http, idempotency_key="stock-batch-42")


def test_batch_size_is_squares_limit() -> None:
    assert connector.stock_batch_size == 100


@respx.mock
async def test_figures_are_physical_counts_with_the_idempotency_key(http: PartnerHttp) -> None:
    route = respx.post(CHANGES_URL).mock(return_value=ok())
    before = datetime.now(UTC)
    result = await push(
        http,
        [StockFigure("TOTE-CNV-NAT", TOTE, 14), StockFigure("NO-LISTING", None, 2)],
    )
    assert result.rejected == {"NO-LISTING": "no Square catalog object id for this SKU"}
    request = route.calls.last.request
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["square-version"] == "2025-08-20"
    body = json.loads(request.content)
    occurred_at = body["changes"][0]["physical_count"].pop("occurred_at")
    assert body == {
        "idempotency_key": "stock-batch-42",
        "changes": [
            {
                "type": "PHYSICAL_COUNT",
                "physical_count": {
                    "catalog_object_id": TOTE,
                    "location_id": LOCATION,
                    "quantity": "14",
                    "state": "IN_STOCK",
                },
            }
        ],
        "ignore_unchanged_counts": True,
    }
    at = datetime.fromisoformat(occurred_at.replace("Z", "+00:00"))
    assert occurred_at.endswith("Z") and before - timedelta(seconds=1) <= at <= datetime.now(UTC)


@respx.mock
async def test_a_retry_sends_the_same_key_and_body(http: PartnerHttp) -> None:
    route = respx.post(CHANGES_URL).mock(side_effect=[httpx.Response(500), ok()])
    assert (await push(http, [StockFigure("TOTE-CNV-NAT", TOTE, 14)])).rejected == {}
    assert route.call_count == 2
    first, second = (json.loads(c.request.content) for c in route.calls)
    assert first == second and first["idempotency_key"] == "stock-batch-42"


@respx.mock
async def test_more_than_100_figures_are_split_with_derived_keys(http: PartnerHttp) -> None:
    route = respx.post(CHANGES_URL).mock(return_value=ok())
    figures = [StockFigure(f"SKU-{i}", f"OBJ{i}", i) for i in range(150)]
    assert (await push(http, figures)).rejected == {}
    bodies = [json.loads(c.request.content) for c in route.calls]
    assert [len(b["changes"]) for b in bodies] == [100, 50]
    assert [b["idempotency_key"] for b in bodies] == ["stock-batch-42-0", "stock-batch-42-1"]


@respx.mock
async def test_an_error_naming_one_change_rejects_its_sku(http: PartnerHttp) -> None:
    respx.post(CHANGES_URL).mock(
        return_value=httpx.Response(
            200,
            json={
                "errors": [
                    {
                        "category": "INVALID_REQUEST_ERROR",
                        "code": "NOT_FOUND",
                        "detail": "Object PIN not found",
                        "field": "changes[1].physical_count.catalog_object_id",
                    }
                ]
            },
        )
    )
    result = await push(http, [StockFigure("TOTE", TOTE, 1), StockFigure("PIN", PIN, 2)])
    assert result.rejected == {"PIN": "Square refused it (NOT_FOUND)"}


@respx.mock
async def test_an_error_for_the_whole_call_is_fatal_with_its_code_only(http: PartnerHttp) -> None:
    respx.post(CHANGES_URL).mock(
        return_value=httpx.Response(
            200, json={"errors": [{"code": "INVALID_LOCATION", "detail": f"token {TOKEN}"}]}
        )
    )
    with pytest.raises(FatalError) as raised:
        await push(http, [StockFigure("TOTE", TOTE, 1)])
    assert "INVALID_LOCATION" in str(raised.value)
    assert TOKEN not in str(raised.value)


@respx.mock
async def test_401_is_fatal_without_the_token(http: PartnerHttp) -> None:
    route = respx.post(CHANGES_URL).mock(
        return_value=httpx.Response(
            401, json={"errors": [{"code": "UNAUTHORIZED", "detail": TOKEN}]}
        )
    )
    with pytest.raises(FatalError) as raised:
        await push(http, [StockFigure("TOTE", TOTE, 1)])
    assert route.call_count == 1
    assert raised.value.status_code == 401
    assert TOKEN not in f"{raised.value!s} {raised.value!r}"


async def test_a_connection_without_location_is_fatal(http: PartnerHttp) -> None:
    bare = Connection(code="sq", connector="square", secrets={"access_token": TOKEN})
    with pytest.raises(FatalError, match="location_id"):
        await push(http, [StockFigure("TOTE", TOTE, 1)], bare)


@respx.mock
async def test_read_stock_follows_the_cursor(http: PartnerHttp) -> None:
    route = respx.post(COUNTS_URL).mock(
        side_effect=[ok("inventory_counts_page1.json"), ok("inventory_counts_page2.json")]
    )
    found = await connector.read_stock(
        CONNECTION,
        [
            StockFigure("TOTE-CNV-NAT", TOTE, 10),
            StockFigure("PIN-ENM-FOX", PIN, 3),
            StockFigure("UNCOUNTED", "NOCOUNT0001", 1),
            StockFigure("NO-LISTING", None, 1),
        ],
        http,
    )
    assert found == {"TOTE-CNV-NAT": 14, "PIN-ENM-FOX": 3}
    first, second = (json.loads(c.request.content) for c in route.calls)
    assert first == {
        "catalog_object_ids": [TOTE, PIN, "NOCOUNT0001"],
        "location_ids": [LOCATION],
        "states": ["IN_STOCK"],
    }
    assert second == {**first, "cursor": "cursor-page-2"}
    assert route.calls.last.request.headers["authorization"] == f"Bearer {TOKEN}"


async def test_a_retried_batch_sends_the_same_body_under_its_key(http: PartnerHttp) -> None:
    """occurred_at is the hub's time of the change, not the time of the call: Square sees
    the identical request again under the same idempotency key."""
    changed = datetime(2025, 3, 14, 9, 30, 0, 123000, tzinfo=UTC)
    figures = [StockFigure("TOTE-CNV-NAT", "2DSZ3LBRW5OVVN3TXRNEJJOK", 7, changed)]
    bodies: list[bytes] = []

    def answer(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content)
        return ok()

    with respx.mock() as router:
        router.post(url__regex=r"/v2/inventory/changes/batch-create$").mock(side_effect=answer)
        for _ in range(2):
            await connector.push_stock(CONNECTION, figures, http, idempotency_key="k-1")
    assert len(bodies) == 2 and bodies[0] == bodies[1]
    sent = json.loads(bodies[0])
    assert sent["changes"][0]["physical_count"]["occurred_at"] == "2025-03-14T09:30:00.123Z"
