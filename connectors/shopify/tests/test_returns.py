"""Shopify's returns/* webhooks to hub.sdk.ChannelReturn (fixtures shaped as Shopify sends
them: the Return with its order and its lines' fulfillment line items)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors.shopify import connector
from connectors.shopify.returns import to_channel_return
from hub.sdk import ChannelReturn, ChannelReturnLine, Connection, MappingError, WebhookRequest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CONNECTION = Connection(
    code="shopify-eu", connector="shopify", settings={"shop_domain": "x.myshopify.com"},
    secrets={"webhook_secret": "s", "access_token": "t"},
)  # fmt: skip


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_a_request_names_the_order_line_reason_and_the_buyers_words() -> None:
    got = to_channel_return(read("returns_request.json"), "returns/request")
    assert got == ChannelReturn(
        return_id="9081123001", order_id="5812345678901", state="requested",
        channel_state="returns/request (requested)",
        lines=[ChannelReturnLine(line_id="14123456789011", quantity=1, reason="size_or_fit",
                                 reason_text="size_too_small / Runs a size small")],
        note="Shopify return #1042-R1",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "topic", "state"),
    [
        ("returns_approve.json", "returns/approve", "authorised"),
        ("returns_close.json", "returns/close", "closed"),
        ("returns_decline.json", "returns/decline", "rejected"),
    ],
)
def test_each_topic_is_a_state(name: str, topic: str, state: str) -> None:
    got = to_channel_return(read(name), topic)
    assert (got.return_id, got.state) == ("9081123001", state)


def test_a_decline_keeps_its_reason_and_needs_no_order() -> None:
    got = to_channel_return(read("returns_decline.json"), "returns/decline")
    assert (got.order_id, got.lines, got.reason_text) == (
        None, [], "return_period_ended / Bought in March"
    )  # fmt: skip


def test_a_line_without_its_order_line_is_a_mapping_error() -> None:
    doc = json.loads(read("returns_request.json"))
    del doc["return_line_items"][0]["fulfillment_line_item"]["line_item"]
    with pytest.raises(MappingError, match=r"return_line_items\[0\]"):
        to_channel_return(json.dumps(doc).encode(), "returns/request")


def test_an_unknown_reason_is_other_with_the_channels_word_kept() -> None:
    doc = json.loads(read("returns_request.json"))
    doc["return_line_items"][0]["return_reason"] = "changed_mind_2030"
    (line,) = to_channel_return(json.dumps(doc).encode(), "returns/request").lines
    assert (line.reason, line.reason_text) == ("other", "changed_mind_2030 / Runs a size small")


async def test_the_connector_takes_return_topics_and_reports_them() -> None:
    request = WebhookRequest(
        url="https://hub/webhooks/shopify-eu",
        headers={"x-shopify-topic": "returns/approve", "x-shopify-event-id": "e1"},
        body=read("returns_approve.json"),
    )
    info = connector.describe(CONNECTION, request)
    assert (info.topic, info.ignore) == ("returns/approve", False)
    assert connector.reports_returns("returns/approve")
    assert not connector.reports_returns("orders/create")
    (got,) = await connector.returns_from_message(
        CONNECTION,
        request.body,
        "returns/approve",
        None,  # type: ignore[arg-type]
    )
    assert got.state == "authorised"
