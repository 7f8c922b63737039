"""Polling getOrders with respx at eBay's edge: the request, paging, the cursor, retries."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
import respx

from connectors.ebay import connector
from hub.sdk import Connection, FatalError, PartnerHttp, PollResult, RetriableError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PAGE1 = (FIXTURES / "getorders_page1.json").read_bytes()
PAGE2 = (FIXTURES / "getorders_page2.json").read_bytes()
ORDERS_URL = "https://api.ebay.com/sell/fulfillment/v1/order"
TOKEN = "v^1.1#i^1#test-user-token"
UNTIL = "2025-03-14T10:00:00.123456Z"  # as the hub passes it; eBay gets milliseconds
CONNECTION = Connection(
    code="ebay-de",
    connector="ebay",
    settings={"start": "2025-03-14T09:00:00Z", "limit": 1, "lookback_seconds": 120},
    secrets={"access_token": TOKEN},
)


@pytest.fixture
async def http() -> AsyncIterator[PartnerHttp]:
    async with httpx.AsyncClient() as client:
        yield PartnerHttp(client, attempts=3, max_wait=5.0, backoff=0.001)


def by_offset(request: httpx.Request) -> httpx.Response:
    """eBay's answer for the window in the fixtures: one order per page, two pages."""
    offset = request.url.params["offset"]
    return httpx.Response(200, content={"0": PAGE1, "1": PAGE2}[offset])


async def poll(http: PartnerHttp, cursor: str | None, **kw: Any) -> PollResult:
    return await connector.poll_orders(kw.get("connection", CONNECTION), cursor, http, until=UNTIL)


@respx.mock
async def test_first_poll_asks_for_the_window_from_settings_start(http: PartnerHttp) -> None:
    route = respx.get(url__startswith=ORDERS_URL).mock(side_effect=by_offset)
    result = await poll(http, None)
    request = route.calls.last.request
    assert request.url.params["filter"] == (
        "lastmodifieddate:[2025-03-14T09:00:00.000Z..2025-03-14T10:00:00.123Z]"
    )
    assert "%5B2025-03-14T09" in str(request.url)  # brackets percent-encoded, as eBay wants
    assert (request.url.params["limit"], request.url.params["offset"]) == ("1", "0")
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    [message] = result.messages
    assert message.dedupe_key == "12-11523-48291@2025-03-14T09:23:02.000Z"
    assert message.topic == "NOT_STARTED"
    assert msgspec.json.decode(message.body) == json.loads(PAGE1)["orders"][0]
    assert result.more is True
    assert json.loads(result.cursor or "") == {
        "since": "2025-03-14T09:00:00.000Z",
        "until": "2025-03-14T10:00:00.123Z",
        "offset": 1,
        "total": 2,
    }


@respx.mock
async def test_paging_across_two_pages_ends_at_the_window_bound(http: PartnerHttp) -> None:
    route = respx.get(url__startswith=ORDERS_URL).mock(side_effect=by_offset)
    first = await poll(http, None)
    second = await poll(http, first.cursor)
    assert [r.request.url.params["offset"] for r in route.calls] == ["0", "1"]
    filters = {r.request.url.params["filter"] for r in route.calls}
    assert len(filters) == 1  # the same window for both pages
    [message] = second.messages
    assert message.dedupe_key == "12-11524-07730@2025-03-14T09:48:51.000Z"
    assert second.more is False
    assert second.cursor == "2025-03-14T10:00:00.123Z"


@respx.mock
async def test_the_next_run_starts_at_the_last_bound(http: PartnerHttp) -> None:
    route = respx.get(url__startswith=ORDERS_URL).mock(
        return_value=httpx.Response(200, json={"total": 0, "offset": 0, "limit": 1, "orders": []})
    )
    result = await poll(http, "2025-03-14T09:45:00.000Z")
    assert route.calls.last.request.url.params["filter"] == (
        "lastmodifieddate:[2025-03-14T09:45:00.000Z..2025-03-14T10:00:00.123Z]"
    )
    assert result == PollResult(messages=[], cursor="2025-03-14T10:00:00.123Z", more=False)


@respx.mock
async def test_nothing_is_asked_when_the_cursor_is_not_before_until(http: PartnerHttp) -> None:
    route = respx.get(url__startswith=ORDERS_URL)
    result = await poll(http, "2025-03-14T10:00:00.123Z")
    assert not route.called
    assert result == PollResult(messages=[], cursor="2025-03-14T10:00:00.123Z", more=False)


@respx.mock
async def test_a_window_that_shrank_is_read_again_from_further_back(http: PartnerHttp) -> None:
    """The first order was modified while paging: it left the window and the second moved
    to offset 0. Reading offset 1 finds nothing; the next page goes back to offset 0."""
    shrunk = {**json.loads(PAGE2), "total": 1, "offset": 1, "orders": []}
    route = respx.get(url__startswith=ORDERS_URL).mock(
        side_effect=[
            httpx.Response(200, content=PAGE1),
            httpx.Response(200, json=shrunk),
            httpx.Response(200, json={**json.loads(PAGE2), "total": 1, "offset": 0}),
        ]
    )
    first = await poll(http, None)
    second = await poll(http, first.cursor)
    assert second.messages == [] and second.more is True
    third = await poll(http, second.cursor)
    assert [r.request.url.params["offset"] for r in route.calls] == ["0", "1", "0"]
    assert [m.dedupe_key for m in third.messages] == ["12-11524-07730@2025-03-14T09:48:51.000Z"]
    assert third.more is False and third.cursor == "2025-03-14T10:00:00.123Z"


@respx.mock
async def test_429_is_retried_after_the_partners_wait(http: PartnerHttp) -> None:
    route = respx.get(url__startswith=ORDERS_URL).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "0.2"}),
            httpx.Response(200, content=PAGE1),
        ]
    )
    started = time.monotonic()
    result = await poll(http, None)
    assert time.monotonic() - started >= 0.2
    assert route.call_count == 2
    assert len(result.messages) == 1


@respx.mock
async def test_429_every_time_is_retriable(http: PartnerHttp) -> None:
    route = respx.get(url__startswith=ORDERS_URL).mock(
        return_value=httpx.Response(429, headers={"Retry-After": "0"})
    )
    with pytest.raises(RetriableError) as err:
        await poll(http, None)
    assert route.call_count == 3
    assert err.value.retry_after == 0


@respx.mock
async def test_429_with_a_long_retry_after_hands_the_wait_to_the_job(http: PartnerHttp) -> None:
    route = respx.get(url__startswith=ORDERS_URL).mock(
        return_value=httpx.Response(429, headers={"Retry-After": "120"})
    )
    with pytest.raises(RetriableError) as err:
        await asyncio.wait_for(poll(http, None), timeout=5)
    assert route.call_count == 1
    assert err.value.retry_after == 120


@respx.mock
async def test_5xx_is_retried(http: PartnerHttp) -> None:
    route = respx.get(url__startswith=ORDERS_URL).mock(
        side_effect=[httpx.Response(503), httpx.Response(502), httpx.Response(200, content=PAGE1)]
    )
    result = await poll(http, None)
    assert route.call_count == 3
    assert result.more is True


@respx.mock
@pytest.mark.parametrize("status", [400, 401, 403])
async def test_4xx_is_fatal_at_once(http: PartnerHttp, status: int) -> None:
    route = respx.get(url__startswith=ORDERS_URL).mock(
        return_value=httpx.Response(status, json={"errors": [{"message": "secret detail"}]})
    )
    with pytest.raises(FatalError) as err:
        await poll(http, None)
    assert route.call_count == 1
    assert "secret detail" not in str(err.value) and TOKEN not in str(err.value)


@respx.mock
async def test_an_answer_that_is_not_a_page_is_retriable(http: PartnerHttp) -> None:
    respx.get(url__startswith=ORDERS_URL).mock(return_value=httpx.Response(200, text="<html>"))
    with pytest.raises(RetriableError):
        await poll(http, None)


async def test_the_first_poll_needs_settings_start(http: PartnerHttp) -> None:
    no_start = Connection(code="ebay-de", connector="ebay", secrets={"access_token": TOKEN})
    with pytest.raises(FatalError, match=r"settings\.start"):
        await poll(http, None, connection=no_start)


@respx.mock
async def test_a_missing_token_is_fatal_and_nothing_is_sent(http: PartnerHttp) -> None:
    route = respx.get(url__startswith=ORDERS_URL)
    no_token = Connection(code="ebay-de", connector="ebay", settings=CONNECTION.settings)
    with pytest.raises(FatalError, match="access_token"):
        await poll(http, None, connection=no_token)
    assert not route.called


@respx.mock
async def test_base_url_and_limit_come_from_the_connection(http: PartnerHttp) -> None:
    sandbox = "https://api.sandbox.ebay.com"
    route = respx.get(url__startswith=sandbox + "/sell/fulfillment/v1/order").mock(
        return_value=httpx.Response(200, content=PAGE1)
    )
    conn = Connection(
        code="ebay-de",
        connector="ebay",
        settings={"start": "2025-03-14T10:00:00+01:00"},
        secrets={"access_token": TOKEN},
        base_url=sandbox + "/",
    )
    await poll(http, None, connection=conn)
    params = route.calls.last.request.url.params
    assert params["limit"] == "50"
    assert params["filter"].startswith("lastmodifieddate:[2025-03-14T09:00:00.000Z..")


@pytest.mark.parametrize(
    ("settings", "reason"),
    [({"limit": 0}, "limit"), ({"limit": 1001}, "limit"), ({"start": "yesterday"}, "start")],
)
async def test_wrong_settings_are_fatal(
    http: PartnerHttp, settings: dict[str, Any], reason: str
) -> None:
    conn = Connection(
        code="ebay-de", connector="ebay", settings=settings, secrets={"access_token": TOKEN}
    )
    with pytest.raises(FatalError, match=reason):
        await poll(http, None, connection=conn)


async def test_a_cursor_it_does_not_understand_is_fatal(http: PartnerHttp) -> None:
    with pytest.raises(FatalError, match="cursor"):
        await poll(http, '{"offset": "x"}')


@pytest.mark.parametrize("body", [b"", b"{}", b"<html>proxy</html>"])
@respx.mock
async def test_an_answer_that_is_not_a_getorders_page_is_retried_never_read_as_none(
    http: PartnerHttp, body: bytes
) -> None:
    respx.get(url__startswith=ORDERS_URL).mock(return_value=httpx.Response(200, content=body))
    with pytest.raises(RetriableError, match="not a getOrders page"):
        await poll(http, "2025-03-14T09:45:00.000Z")
