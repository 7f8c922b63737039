"""The eBay mapping on getOrders responses: canonical values, state, payment, bad documents."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.ebay import connector
from hub.plugins import discover
from hub.sdk import (
    Address,
    Connection,
    Connector,
    Customer,
    Line,
    MappingError,
    PartnerHttp,
    PollsOrders,
    Shipping,
    Totals,
    check,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GETORDERS = (FIXTURES / "getorders.json").read_bytes()
ORDER: dict[str, Any] = json.loads(GETORDERS)["orders"][0]


def normalize(*documents: bytes) -> list[Any]:
    return connector.normalize(list(documents), channel="ebay-de")


def variant(**changes: Any) -> bytes:
    """The fixture's order with top-level fields replaced, as a single order document."""
    return json.dumps({**ORDER, **changes}).encode()


def test_is_a_registered_polling_connector() -> None:
    assert discover()["ebay"] is connector
    assert isinstance(connector, Connector)
    assert isinstance(connector, PollsOrders)


def test_getorders_gives_the_canonical_order() -> None:
    [reported] = normalize(GETORDERS)
    order = reported.order
    assert reported.state == "open"
    assert reported.updated_at == "2025-03-14T09:23:02.000Z"
    assert check(order) == []
    assert (order.channel, order.external_id) == ("ebay-de", "12-11523-48291")
    assert order.placed_at == datetime(2025, 3, 14, 9, 21, 44, tzinfo=UTC)
    assert order.currency == "EUR"
    assert order.customer == Customer(name="Lukas Pöschl", phone="+43 1 2345678")
    assert order.shipping_address == Address(
        name="Lukas Pöschl",
        line1="Mariahilfer Straße 45",
        line2="Top 12",
        city="Wien",
        region="Wien",
        postal_code="1060",
        country="AT",
        phone="+43 1 2345678",
    )
    assert order.billing_address is None
    assert order.lines == [
        Line(
            line_id="10071234567801",
            sku="TRK-POLE-CARB",
            name="Carbon Trekkingstöcke (Paar), 3-teilig, 110\u2013135 cm",
            quantity=2,
            unit_price=3490,
        ),
        Line(
            line_id="10071234567802",
            sku="HDL-LMP-400",
            name="LED Stirnlampe 400 Lumen, USB-C aufladbar",
            quantity=1,
            unit_price=2000,
        ),
    ]
    assert order.shipping == Shipping(method="DE_DHLPaketInternational", price=599)
    assert order.shipping.service_level is None  # a carrier product code, no level
    assert order.ship_by == datetime(2025, 3, 17, 22, 59, 59, tzinfo=UTC)
    assert order.totals == Totals(
        subtotal=8980, discount=0, shipping=599, tax=0, tax_included=True, total=9579
    )
    assert order.payment.status == "paid"


def test_a_single_order_document_maps_the_same() -> None:
    assert normalize(json.dumps(ORDER).encode()) == normalize(GETORDERS)


def test_every_order_of_every_page_is_mapped() -> None:
    first, second = normalize(
        (FIXTURES / "getorders_page1.json").read_bytes(),
        (FIXTURES / "getorders_page2.json").read_bytes(),
    )
    assert first.order.external_id == "12-11523-48291"
    assert second.order.external_id == "12-11524-07730"


def test_cancelled_order_gives_state_cancelled() -> None:
    [_, reported] = normalize(
        (FIXTURES / "getorders_page1.json").read_bytes(),
        (FIXTURES / "getorders_page2.json").read_bytes(),
    )
    assert reported.state == "cancelled"
    assert reported.order.payment.status == "refunded"
    assert reported.order.totals.total == 4499


def test_fulfilled_order_gives_state_fulfilled() -> None:
    [reported] = normalize(variant(orderFulfillmentStatus="FULFILLED"))
    assert reported.state == "fulfilled"


@pytest.mark.parametrize("sign", ["-", ""])
def test_discounts_are_taken_as_absolute_values(sign: str) -> None:
    lines = [dict(line) for line in ORDER["lineItems"]]
    lines[0]["appliedPromotions"] = [
        {"promotionId": "5****1", "discountAmount": {"value": f"{sign}6.98", "currency": "EUR"}}
    ]
    pricing = {
        **ORDER["pricingSummary"],
        "deliveryDiscount": {"value": f"{sign}5.99", "currency": "EUR"},
        "total": {"value": "82.82", "currency": "EUR"},
    }
    [reported] = normalize(variant(lineItems=lines, pricingSummary=pricing))
    order = reported.order
    assert order.lines[0].discount == 698
    assert order.shipping == Shipping(method="DE_DHLPaketInternational", price=599, discount=599)
    assert order.totals == Totals(
        subtotal=8980, discount=1297, shipping=599, tax=0, tax_included=True, total=8282
    )


def test_ship_by_is_the_earliest_ship_by_date_of_the_lines() -> None:
    lines = [dict(line) for line in ORDER["lineItems"]]
    assert len(lines) >= 2
    lines[0]["lineItemFulfillmentInstructions"] = {
        **lines[0]["lineItemFulfillmentInstructions"],
        "shipByDate": "2025-03-19T22:59:59.000Z",
    }
    lines[1]["lineItemFulfillmentInstructions"] = {
        **lines[1]["lineItemFulfillmentInstructions"],
        "shipByDate": "2025-03-16T10:00:00.000Z",
    }
    [reported] = normalize(variant(lineItems=lines))
    assert reported.order.ship_by == datetime(2025, 3, 16, 10, 0, tzinfo=UTC)
    for line in lines:
        line["lineItemFulfillmentInstructions"] = {}
    [reported] = normalize(variant(lineItems=lines))
    assert reported.order.ship_by is None


def test_tax_on_top_when_ebay_reports_it() -> None:
    pricing = {
        **ORDER["pricingSummary"],
        "tax": {"value": "7.00", "currency": "EUR"},
        "total": {"value": "102.79", "currency": "EUR"},
    }
    [reported] = normalize(variant(pricingSummary=pricing))
    assert reported.order.totals.tax == 700
    assert reported.order.totals.tax_included is False


def test_figures_that_do_not_add_up_are_a_mapping_error() -> None:
    pricing = {**ORDER["pricingSummary"], "total": {"value": "95.78", "currency": "EUR"}}
    with pytest.raises(MappingError) as err:
        normalize(variant(pricingSummary=pricing))
    assert "totals.total" in str(err.value)


def test_unknown_payment_status_is_a_mapping_error() -> None:
    with pytest.raises(MappingError) as err:
        normalize(variant(orderPaymentStatus="MYSTERY"))
    assert "payment.status" in str(err.value)


def test_a_line_without_sku_is_a_mapping_error() -> None:
    lines = [dict(line) for line in ORDER["lineItems"]]
    del lines[1]["sku"]
    with pytest.raises(MappingError) as err:
        normalize(variant(lineItems=lines))
    assert "lines[1].sku" in str(err.value)


@pytest.mark.parametrize("document", [b"<html>", b"{}", b'{"orders": [{"x": 1}]}', b"[]"])
def test_a_document_that_is_no_order_is_a_mapping_error(document: bytes) -> None:
    with pytest.raises(MappingError):
        normalize(document)


async def test_orders_from_message_maps_the_polled_order() -> None:
    connection = Connection(code="ebay-de", connector="ebay", secrets={"access_token": "t"})
    async with httpx.AsyncClient() as client:
        [reported] = await connector.orders_from_message(
            connection, json.dumps(ORDER).encode(), "NOT_STARTED", PartnerHttp(client)
        )
    assert reported == normalize(GETORDERS)[0]
