"""``normalize`` and ``amazon_order.yaml`` on the getOrders / getOrderItems fixtures."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from connectors.amazon import AmazonConnector, connector
from connectors.amazon.tests.fake_amazon import CANCELED, UNSHIPPED, fixture, fixture_json
from hub.cli import main
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


def normalize(*names: str) -> list:
    return connector.normalize([fixture(n) for n in names], channel="amazon-us")


def test_is_a_registered_polling_connector() -> None:
    assert discover()["amazon"] is connector
    assert isinstance(connector, Connector)
    assert isinstance(connector, PollsOrders)


def test_getorders_and_getorderitems_give_the_canonical_order() -> None:
    [reported] = normalize("getorders.json", "getorderitems.json")
    order = reported.order
    assert reported.state == "open"
    assert reported.updated_at == "2025-03-14T17:12:55Z"
    assert check(order) == []
    assert order.channel == "amazon-us"
    assert order.external_id == UNSHIPPED
    assert order.placed_at == datetime(2025, 3, 14, 16, 41, 7, tzinfo=UTC)
    assert order.currency == "USD"
    assert order.customer == Customer(
        name="Dana Whitfield",
        email="k4xq2m9zt7wd3pl@marketplace.amazon.com",
        phone="+1 614-555-0148",
    )
    assert order.shipping_address == Address(
        name="Dana Whitfield",
        line1="811 Oak St",
        line2="Apt 2",
        city="Columbus",
        region="OH",
        postal_code="43205-1634",
        country="US",
        phone="+1 614-555-0148",
    )
    assert [(li.sku, li.quantity, li.unit_price, li.discount, li.tax) for li in order.lines] == [
        ("CBL-USBC-2M", 2, 1299, 0, 195),
        ("CHG-GAN-65W", 1, 3299, 0, 247),
    ]
    assert order.lines[0] == Line(
        line_id="68213377042210",
        sku="CBL-USBC-2M",
        name="Braided USB-C to USB-C Cable, 2 m, 100 W (Black)",
        quantity=2,
        unit_price=1299,
        tax=195,
    )
    assert order.shipping == Shipping(
        method="Std US D2D Dom", service_level="standard", price=399, discount=399, tax=0
    )
    assert order.ship_by == datetime(2025, 3, 18, 6, 59, 59, tzinfo=UTC)
    assert order.totals == Totals(
        subtotal=5897, discount=399, shipping=399, tax=442, tax_included=False, total=6339
    )
    assert order.payment.status == "paid"
    assert order.tags == ["marketplace_facilitator_tax"]


def test_item_pages_are_matched_to_their_order_by_id_and_joined_in_turn() -> None:
    whole = normalize("getorders.json", "getorderitems.json")
    paged = normalize("getorderitems_page1.json", "getorders.json", "getorderitems_page2.json")
    assert paged == whole


def test_several_orders_with_their_items_pending_left_out() -> None:
    reported = normalize(
        "getorders.json",
        "getorders_page2.json",
        "getorderitems_canceled.json",
        "getorderitems.json",
    )
    assert [(r.order.external_id, r.state) for r in reported] == [
        (UNSHIPPED, "open"),
        (CANCELED, "cancelled"),
    ]
    cancelled = reported[1].order
    assert cancelled.payment.status == "voided"
    assert cancelled.shipping_address is None  # Amazon gives none for a cancelled order
    assert cancelled.totals.total == 1396


def test_the_combined_root_maps_like_the_two_responses() -> None:
    assert normalize("message_unshipped.json") == normalize("getorders.json", "getorderitems.json")


def test_an_order_without_its_items_is_a_mapping_error() -> None:
    with pytest.raises(MappingError) as err:
        normalize("getorders.json")
    assert UNSHIPPED in str(err.value)


def test_totals_that_do_not_add_up_are_a_mapping_error() -> None:
    root = fixture_json("message_unshipped.json")
    root["order"]["OrderTotal"]["Amount"] = "64.39"
    with pytest.raises(MappingError) as err:
        connector.normalize([json.dumps(root).encode()], channel="amazon-us")
    assert "total" in str(err.value)


def test_unknown_order_status_is_a_mapping_error() -> None:
    root = fixture_json("message_unshipped.json")
    root["order"]["OrderStatus"] = "Mystery"
    with pytest.raises(MappingError) as err:
        connector.normalize([json.dumps(root).encode()], channel="amazon-us")
    assert "payment.status" in str(err.value)


def test_fba_and_prime_orders_are_tagged() -> None:
    root = fixture_json("message_unshipped.json")
    root["order"] |= {"FulfillmentChannel": "AFN", "IsPrime": True}
    [reported] = connector.normalize([json.dumps(root).encode()], channel="amazon-us")
    assert reported.order.tags == ["marketplace_facilitator_tax", "fulfilled_by_amazon", "prime"]


@pytest.mark.parametrize(
    ("category", "level"),
    [
        ("Standard", "standard"),
        ("Expedited", "expedited"),
        ("NextDay", "next_day"),
        ("SameDay", "same_day"),
        ("SecondDay", "second_day"),
        ("Scheduled", "scheduled"),
        ("FreeEconomy", "economy"),
        ("SomethingNew", None),
        (None, None),
    ],
)
def test_shipment_service_level_category_gives_the_service_level(
    category: str | None, level: str | None
) -> None:
    root = fixture_json("message_unshipped.json")
    root["order"]["ShipmentServiceLevelCategory"] = category
    [reported] = connector.normalize([json.dumps(root).encode()], channel="amazon-us")
    assert reported.order.shipping.service_level == level


def test_no_latest_ship_date_gives_no_ship_by() -> None:
    root = fixture_json("message_unshipped.json")
    del root["order"]["LatestShipDate"]
    [reported] = connector.normalize([json.dumps(root).encode()], channel="amazon-us")
    assert reported.order.ship_by is None


async def test_orders_from_message_maps_the_combined_root() -> None:
    conn = Connection(code="amazon-us", connector="amazon")
    async with httpx.AsyncClient() as client:
        http = PartnerHttp(client)
        [reported] = await AmazonConnector().orders_from_message(
            conn, fixture("message_canceled.json"), "Canceled", http
        )
        pending = fixture_json("message_canceled.json")
        pending["order"] |= {"OrderStatus": "Pending"}
        del pending["order"]["OrderTotal"]
        skipped = await AmazonConnector().orders_from_message(
            conn, json.dumps(pending).encode(), "Pending", http
        )
    assert (reported.order.external_id, reported.state) == (CANCELED, "cancelled")
    assert skipped == []


def test_hub_normalize_prints_the_canonical_order() -> None:
    folder = Path(__file__).resolve().parents[1] / "fixtures"
    files = [str(folder / "getorders.json"), str(folder / "getorderitems.json")]
    result = CliRunner().invoke(main, ["normalize", "amazon", *files])
    assert result.exit_code == 0, result.output
    [order] = json.loads(result.stdout)
    assert order["totals"] == {
        "subtotal": 5897,
        "discount": 399,
        "shipping": 399,
        "tax": 442,
        "tax_included": False,
        "total": 6339,
    }
    assert order["shipping_address"]["country"] == "US"
