"""The Square mapping on saved RetrieveOrder and BatchRetrieveCatalogObjects responses."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from connectors.square import connector
from hub.sdk import Customer, Line, MappingError, Shipping, Totals, check

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ORDER = (FIXTURES / "order.json").read_bytes()
CATALOG = (FIXTURES / "catalog.json").read_bytes()


def normalize(*documents: bytes) -> list[Any]:
    return connector.normalize(list(documents), channel="square-pos")


def order_with(**changes: Any) -> bytes:
    """The fixture's RetrieveOrder response with order fields replaced."""
    document = json.loads(ORDER)
    document["order"].update(changes)
    return json.dumps(document).encode()


def test_order_and_catalog_give_the_canonical_order() -> None:
    [reported] = normalize(ORDER, CATALOG)
    order = reported.order
    assert reported.state == "fulfilled"  # a POS sale: handed over in the store
    assert reported.updated_at == "2025-03-14T18:03:05.000Z"
    assert check(order) == []
    assert (order.channel, order.external_id) == ("square-pos", "pM8aL2xQ7vTkR4nYcW1bHs9EfZdJ")
    assert order.external_number is None
    assert order.placed_at == datetime(2025, 3, 14, 18, 2, 11, 482000, tzinfo=UTC)
    assert order.currency == "USD"
    assert order.customer == Customer()
    assert order.shipping_address is None  # in-store sale: no ship-to
    assert order.lines == [
        Line(
            line_id="6dRq3mV1TqK9fJ2a0BxYwC",
            sku="TOTE-CNV-NAT",
            name="Canvas Tote Bag (Natural)",
            quantity=2,
            unit_price=1800,
            discount=414,
            tax=283,
            tax_rate="8.875",
        ),
        Line(
            line_id="Hc7pX2nL5sQe8Wm3vRt0Ka",
            sku="PIN-ENM-FOX",
            name="Enamel Pin (Fox)",
            quantity=1,
            unit_price=750,
            discount=86,
            tax=59,
            tax_rate="8.875",
        ),
    ]
    assert order.shipping == Shipping()
    assert order.totals == Totals(
        subtotal=4350, discount=500, shipping=0, tax=342, tax_included=False, total=4192
    )
    assert order.payment.status == "paid"


def test_documents_may_come_in_any_order() -> None:
    assert normalize(CATALOG, ORDER) == normalize(ORDER, CATALOG)


def test_the_combined_root_maps_the_same() -> None:
    combined = (FIXTURES / "order_combined.json").read_bytes()
    assert normalize(combined) == normalize(ORDER, CATALOG)


def test_a_line_without_sku_is_a_mapping_error_naming_the_line() -> None:
    with pytest.raises(MappingError) as err:
        normalize(ORDER, (FIXTURES / "catalog_missing_sku.json").read_bytes())
    assert err.value.mapping == "square_order"
    assert err.value.field == "lines[1].sku"
    assert "Hc7pX2nL5sQe8Wm3vRt0Ka" in err.value.reason


def test_an_order_without_its_catalog_is_a_mapping_error() -> None:
    with pytest.raises(MappingError) as err:
        normalize(ORDER)
    assert err.value.field == "lines[0].sku"


@pytest.mark.parametrize(("state", "expected"), [("CANCELED", "cancelled"), ("OPEN", "open")])
def test_state(state: str, expected: str) -> None:
    [reported] = normalize(order_with(state=state), CATALOG)
    assert reported.state == expected


def test_cancelled_order_is_voided() -> None:
    [reported] = normalize(order_with(state="CANCELED"), CATALOG)
    assert reported.order.payment.status == "voided"


def test_open_unpaid_order_is_pending() -> None:
    due = {"amount": 4192, "currency": "USD"}
    [reported] = normalize(order_with(state="OPEN", tenders=[], net_amount_due_money=due), CATALOG)
    assert reported.order.payment.status == "pending"


def test_an_unknown_state_is_a_mapping_error() -> None:
    with pytest.raises(MappingError) as err:
        normalize(order_with(state="MYSTERY"), CATALOG)
    assert err.value.field == "state"


def test_a_tip_does_not_add_up_and_is_a_mapping_error() -> None:
    tipped = order_with(
        total_tip_money={"amount": 300, "currency": "USD"},
        total_money={"amount": 4492, "currency": "USD"},
    )
    with pytest.raises(MappingError) as err:
        normalize(tipped, CATALOG)
    assert "totals.total" in str(err.value)


def test_a_shipment_fulfilment_gives_the_ship_to() -> None:
    fulfilment = {
        "uid": "f1",
        "type": "SHIPMENT",
        "state": "PROPOSED",
        "shipment_details": {
            "recipient": {
                "display_name": "Dana Whitfield",
                "email_address": "dana@example.com",
                "address": {
                    "address_line_1": "212 W 35th St",
                    "locality": "New York",
                    "administrative_district_level_1": "NY",
                    "postal_code": "10001",
                    "country": "US",
                },
            }
        },
    }
    [reported] = normalize(order_with(state="OPEN", fulfillments=[fulfilment]), CATALOG)
    address = reported.order.shipping_address
    assert address is not None
    assert (address.name, address.city, address.region, address.country) == (
        "Dana Whitfield",
        "New York",
        "NY",
        "US",
    )
    assert reported.order.customer.email == "dana@example.com"


@pytest.mark.parametrize(
    "document",
    [
        b"<html>",
        b"{}",
        b"[]",
        (FIXTURES / "order_updated_webhook.json").read_bytes(),  # carries only the order id
    ],
)
def test_a_document_that_is_no_order_is_a_mapping_error(document: bytes) -> None:
    with pytest.raises(MappingError):
        normalize(document)
