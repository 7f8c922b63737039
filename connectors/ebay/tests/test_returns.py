"""eBay post-order returns: the search call (IAF token, creation window less the look-back,
page numbers), the cursor, and each return summary to a ChannelReturn."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import msgspec
import pytest
import respx

from connectors.ebay import connector
from connectors.ebay.returns import to_channel_return
from hub.sdk import ChannelReturnLine, Connection, MappingError, PartnerHttp

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SEARCH = "https://api.ebay.com/post-order/v2/return/search"
TOKEN = "v^1.1#i^1#test-user-token"
CONNECTION = Connection(
    code="ebay-de", connector="ebay",
    settings={"start": "2025-03-20T00:00:00Z", "returns_limit": 1, "returns_lookback_days": 2},
    secrets={"access_token": TOKEN},
)  # fmt: skip
UNTIL = "2025-03-21T00:00:00Z"


@pytest.fixture
async def http() -> AsyncIterator[PartnerHttp]:
    async with httpx.AsyncClient() as client:
        yield PartnerHttp(client, attempts=3, max_wait=5.0, backoff=0.001)


def page(n: int, pages: int) -> bytes:
    doc = json.loads((FIXTURES / "return_search.json").read_bytes())
    doc["members"][0]["returnId"] = f"50001245{n:02d}"
    doc["paginationOutput"] = {"offset": n, "limit": 1, "totalEntries": pages, "totalPages": pages}
    return json.dumps(doc).encode()


async def test_a_window_is_read_page_by_page_with_the_iaf_token(http: PartnerHttp) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=page(int(request.url.params["offset"]), 2))

    with respx.mock:
        respx.get(SEARCH).mock(side_effect=answer)
        first = await connector.poll_returns(CONNECTION, None, http, until=UNTIL)
        assert first.more and first.cursor and first.cursor.startswith("{")
        second = await connector.poll_returns(CONNECTION, first.cursor, http, until=UNTIL)
    assert (second.more, second.cursor) == (False, "2025-03-21T00:00:00.000Z")
    assert seen[0].headers["Authorization"] == f"IAF {TOKEN}"
    params = dict(seen[0].url.params)
    assert params == {
        "creation_date_range_from": "2025-03-18T00:00:00.000Z",  # two days' look-back
        "creation_date_range_to": "2025-03-21T00:00:00.000Z",
        "offset": "1", "limit": "1", "sort": "FILING_DATE",
    }  # fmt: skip
    assert seen[1].url.params["offset"] == "2"
    keys = [m.dedupe_key for m in first.messages + second.messages]
    assert keys == ["return:5000124501:RETURN_REQUESTED", "return:5000124502:RETURN_REQUESTED"]
    assert {m.topic for m in first.messages} == {"ebay:return"}
    assert connector.reports_returns("ebay:return") and not connector.reports_returns(None)


async def test_an_unreadable_answer_is_retried_never_read_as_no_returns(http: PartnerHttp) -> None:
    with respx.mock:
        respx.get(SEARCH).mock(return_value=httpx.Response(200, content=b"<html>"))
        with pytest.raises(Exception, match="not a return search page"):
            await connector.poll_returns(CONNECTION, None, http, until=UNTIL)


def member(**changes: object) -> bytes:
    doc = json.loads((FIXTURES / "return_search.json").read_bytes())["members"][0]
    doc.update(changes)
    return msgspec.json.encode(doc)


def test_a_return_summary_is_a_channel_return() -> None:
    got = to_channel_return(member())
    assert (got.return_id, got.order_id, got.state, got.channel_state) == (
        "5000124561", "12-11523-48291", "requested", "RETURN_REQUESTED"
    )  # fmt: skip
    assert got.lines == [
        ChannelReturnLine(line_id="10071234567801", quantity=1, reason="damaged",
                          reason_text="ARRIVED_DAMAGED / One pole section is bent")
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("status", "state"),
    [("READY_FOR_SHIPPING", "authorised"), ("ITEM_SHIPPED", "in_transit"),
     ("ITEM_DELIVERED", "in_transit"), ("RETURN_REJECTED", "rejected"), ("CLOSED", "closed")],
)  # fmt: skip
def test_ebay_states_map_to_hub_states(status: str, state: str) -> None:
    assert to_channel_return(member(status=status)).state == state


def test_an_unknown_status_is_a_mapping_error() -> None:
    with pytest.raises(MappingError, match="NEW_STATUS_2030"):
        to_channel_return(member(status="NEW_STATUS_2030"))
