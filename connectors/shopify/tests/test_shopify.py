"""The Shopify connector on real-shaped webhook bodies and the headers Shopify signs them with."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.shopify import connector
from hub.plugins import discover
from hub.sdk import (
    Address,
    Connection,
    Connector,
    Customer,
    Line,
    MappingError,
    PartnerHttp,
    ReceivesWebhooks,
    Shipping,
    SignatureError,
    Totals,
    WebhookRequest,
    check,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BODY = (FIXTURES / "orders_create.json").read_bytes()
SIGNED: dict[str, Any] = json.loads((FIXTURES / "orders_create.headers.json").read_bytes())
CONNECTION = Connection(
    code="shopify-eu", connector="shopify", secrets={"webhook_secret": SIGNED["secret"]}
)


def request(body: bytes = BODY, **changes: str | None) -> WebhookRequest:
    """The fixture's delivery; ``changes`` replace (or, with None, drop) headers."""
    headers = {**SIGNED["headers"], **changes}
    return WebhookRequest(
        url="https://oms.example.com/webhooks/shopify-eu",
        headers={k.lower(): v for k, v in headers.items() if v is not None},
        body=body,
    )


def normalize(name: str) -> Any:
    [reported] = connector.normalize([(FIXTURES / name).read_bytes()], channel="shopify-eu")
    return reported


def test_is_a_registered_webhook_connector() -> None:
    assert discover()["shopify"] is connector
    assert isinstance(connector, Connector)
    assert isinstance(connector, ReceivesWebhooks)


def test_orders_create_gives_the_canonical_order() -> None:
    reported = normalize("orders_create.json")
    order = reported.order
    assert reported.state == "open"
    assert check(order) == []
    assert order.channel == "shopify-eu"
    assert (order.external_id, order.external_number) == ("5812345678901", "#1042")
    assert order.placed_at == datetime(2025, 3, 14, 9, 22, 30, tzinfo=UTC)
    assert order.placed_at.utcoffset().total_seconds() == 0
    assert order.currency == "EUR"
    assert order.customer == Customer(name="Renée Müller-Øberg", email="renee.mueller@example.de")
    assert order.shipping_address == Address(
        name="Renée Müller-Øberg",
        line1="Schönhauser Allee 12",
        line2="Hinterhaus, 3. OG",
        city="Berlin",
        postal_code="10119",
        country="DE",
        phone="+49 30 12345678",
    )
    assert order.billing_address == order.shipping_address
    assert order.lines == [
        Line(
            line_id="14123456789011",
            sku="TEE-ORG-BLK-M",
            name="Organic Tee \u2013 Black / M",
            quantity=2,
            unit_price=2900,
            discount=580,
            tax=833,
            tax_rate="19.00",
        ),
        Line(
            line_id="14123456789012",
            sku="MUG-CER-350",
            name="Ceramic Mug 350 ml",
            quantity=1,
            unit_price=1450,
            discount=145,
            tax=208,
            tax_rate="19.00",
        ),
    ]
    assert order.shipping == Shipping(method="DHL Paket", price=490, discount=0, tax=78)
    assert order.totals == Totals(
        subtotal=7250, discount=725, shipping=490, tax=1119, tax_included=True, total=7015
    )
    assert order.payment.status == "paid"
    assert order.note == "Bitte beim Nachbarn abgeben, falls niemand da ist."


def test_orders_cancelled_gives_state_cancelled() -> None:
    reported = normalize("orders_cancelled.json")
    assert reported.state == "cancelled"
    assert reported.order.payment.status == "refunded"
    assert reported.order.external_id == "5812345678901"


def test_fulfilled_order_gives_state_fulfilled() -> None:
    assert normalize("orders_fulfilled.json").state == "fulfilled"


def test_unknown_financial_status_is_a_mapping_error() -> None:
    document = json.loads(BODY)
    document["financial_status"] = "mystery"
    with pytest.raises(MappingError) as err:
        connector.normalize([json.dumps(document).encode()], channel="shopify-eu")
    assert "payment.status" in str(err.value)


def test_a_body_that_is_not_json_is_a_mapping_error() -> None:
    with pytest.raises(MappingError):
        connector.normalize([b"<html>"], channel="shopify-eu")


def test_signature_over_the_raw_bytes_verifies() -> None:
    connector.verify(CONNECTION, request())


def test_one_changed_byte_fails_verification() -> None:
    tampered = BODY.replace(b'"29.00"', b'"19.00"', 1)
    assert len(tampered) == len(BODY) and tampered != BODY
    with pytest.raises(SignatureError) as err:
        connector.verify(CONNECTION, request(tampered))
    assert SIGNED["secret"] not in str(err.value)


def test_missing_signature_header_fails_verification() -> None:
    with pytest.raises(SignatureError):
        connector.verify(CONNECTION, request(**{"X-Shopify-Hmac-Sha256": None}))


def test_wrong_secret_fails_verification() -> None:
    other = Connection(code="shopify-eu", connector="shopify", secrets={"webhook_secret": "x"})
    with pytest.raises(SignatureError):
        connector.verify(other, request())


def test_describe_dedupes_on_event_id_and_names_the_topic() -> None:
    info = connector.describe(CONNECTION, request())
    assert info.dedupe_key == "98880550-7158-44d4-b7cd-2c97c8a091b5"
    assert info.topic == "orders/create"
    assert not info.ignore


def test_describe_falls_back_to_the_webhook_id() -> None:
    info = connector.describe(CONNECTION, request(**{"X-Shopify-Event-Id": None}))
    assert info.dedupe_key == "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"


def test_topics_that_are_not_orders_are_ignored() -> None:
    info = connector.describe(CONNECTION, request(**{"X-Shopify-Topic": "products/update"}))
    assert info.ignore
    cancelled = request(**{"X-Shopify-Topic": "orders/cancelled"})
    assert not connector.describe(CONNECTION, cancelled).ignore


async def test_orders_from_message_maps_the_body() -> None:
    async with httpx.AsyncClient() as client:
        [reported] = await connector.orders_from_message(
            CONNECTION, BODY, "orders/create", PartnerHttp(client)
        )
    assert reported == normalize("orders_create.json")


def test_the_buyers_locale_comes_from_customer_locale() -> None:
    """The language the buyer shopped in: buyer mails are written in it."""
    assert normalize("orders_create.json").order.locale == "de-DE"
