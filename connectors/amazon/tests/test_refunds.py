"""Amazon's own refunds from listFinancialEvents (a fake SP-API): the window on PostedDate,
NextToken pages, and each RefundEventList entry as a ReportedRefund, exactly in cents."""

from __future__ import annotations

import json

import msgspec
import pytest

from connectors.amazon import AmazonConnector
from connectors.amazon.refunds import to_reported_refund
from connectors.amazon.tests.fake_amazon import UNSHIPPED, FakeAmazon, fixture_json
from hub.sdk import Connection, MappingError, PartnerHttp, RefundLine, ReportedRefund

UNTIL = "2025-03-21T00:00:00.482913Z"


def event(**changes: object) -> dict[str, object]:
    doc = fixture_json("list_financial_events.json")["payload"]["FinancialEvents"]
    found: dict[str, object] = doc["RefundEventList"][0]
    found.update(changes)
    return found


async def test_a_window_of_posted_refunds_page_by_page(
    connector: AmazonConnector, connection: Connection, http: PartnerHttp, amazon: FakeAmazon
) -> None:
    first_page = fixture_json("list_financial_events.json")
    first_page["payload"]["NextToken"] = "FIN-NEXT"
    second_page = {"payload": {"FinancialEvents": {"RefundEventList": []}}}
    amazon.finances = {None: first_page, "FIN-NEXT": second_page}
    first = await connector.poll_returns(connection, None, http, until=UNTIL)
    assert first.more and first.cursor and json.loads(first.cursor)["next_token"] == "FIN-NEXT"
    second = await connector.poll_returns(connection, first.cursor, http, until=UNTIL)
    assert (second.more, second.cursor, second.messages) == (False, "2025-03-21T00:00:00Z", [])
    queries = [q for path, q in amazon.requests if path == "/finances/v0/financialEvents"]
    assert queries == [
        {"PostedAfter": "2025-03-14T00:00:00Z", "PostedBefore": "2025-03-21T00:00:00Z",
         "MaxResultsPerPage": "100"},
        {"NextToken": "FIN-NEXT"},
    ]  # fmt: skip
    (message,) = first.messages
    assert (message.dedupe_key, message.topic) == ("refund:52977114839881", "amazon:refund")
    assert connector.reports_returns("amazon:refund") and not connector.reports_returns("Shipped")
    (reported,) = await connector.returns_from_message(
        connection, message.body, message.topic, http
    )
    assert reported == ReportedRefund(
        refund_id="52977114839881", order_id=UNSHIPPED, currency="USD", amount=1396,
        at="2025-03-20T16:41:09Z",
        lines=[RefundLine(sku="CBL-USBC-2M", quantity=1, line_id="68213377042210")],
    )  # fmt: skip


def test_promotions_given_back_lower_the_refund_and_fees_are_left_out() -> None:
    found = event()
    item = found["ShipmentItemAdjustmentList"][0]  # type: ignore[index]
    item["PromotionAdjustmentList"] = [
        {"PromotionType": "PromotionMetaDataDefinitionValue",
         "PromotionAmount": {"CurrencyCode": "USD", "CurrencyAmount": 2.00}}
    ]  # fmt: skip
    assert to_reported_refund(msgspec.json.encode(found)).amount == 1196


def test_two_items_are_one_refund_keyed_by_both_adjustments() -> None:
    found = event()
    items = found["ShipmentItemAdjustmentList"]
    second = json.loads(json.dumps(items[0]))  # type: ignore[index]
    second.update(SellerSKU="CHG-GAN-65W", OrderAdjustmentItemId="52977114839800")
    found["ShipmentItemAdjustmentList"] = [items[0], second]  # type: ignore[index]
    got = to_reported_refund(msgspec.json.encode(found))
    assert (got.refund_id, got.amount) == ("52977114839800+52977114839881", 2792)


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"ShipmentItemAdjustmentList": []}, "ShipmentItemAdjustmentList"),
     ({"AmazonOrderId": None}, "body")],
)  # fmt: skip
def test_an_unreadable_refund_is_a_mapping_error(changes: dict[str, object], field: str) -> None:
    with pytest.raises(MappingError, match=field):
        to_reported_refund(msgspec.json.encode(event(**changes)))
