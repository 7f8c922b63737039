"""The WooCommerce connector on a real-shaped webhook body, its signed headers, and the ping."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from connectors.woocommerce import connector
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
    hmac_sha256_base64,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BODY = (FIXTURES / "order_created.json").read_bytes()
PING = (FIXTURES / "ping.txt").read_bytes()
SIGNED: dict[str, Any] = json.loads((FIXTURES / "order_created.headers.json").read_bytes())
CONNECTION = Connection(
    code="woo-uk", connector="woocommerce", secrets={"webhook_secret": SIGNED["secret"]}
)
ADDRESS = Address(
    name="Siobhán O'Connor",
    line1="14 Kingsland Road",
    line2="Flat 3",
    city="London",
    postal_code="E2 8DA",
    country="GB",
    phone="+44 20 7946 0321",
)


def request(body: bytes = BODY, headers: dict[str, Any] | None = None) -> WebhookRequest:
    given = SIGNED["headers"] if headers is None else headers
    return WebhookRequest(
        url="https://oms.example.com/webhooks/woo-uk",
        headers={k.lower(): v for k, v in given.items() if v is not None},
        body=body,
    )


def normalize(body: bytes) -> Any:
    [reported] = connector.normalize([body], channel="woo-uk")
    return reported


def with_status(status: str) -> bytes:
    document = json.loads(BODY)
    document["status"] = status
    return json.dumps(document).encode()


def test_is_a_registered_webhook_connector() -> None:
    assert discover()["woocommerce"] is connector
    assert isinstance(connector, Connector)
    assert isinstance(connector, ReceivesWebhooks)


def test_order_created_gives_the_canonical_order() -> None:
    reported = normalize(BODY)
    order = reported.order
    assert reported.state == "open"
    assert check(order) == []
    assert order.channel == "woo-uk"
    assert (order.external_id, order.external_number) == ("4821", "4821")
    assert order.placed_at == datetime(2025, 3, 14, 11, 5, 12, tzinfo=UTC)
    assert order.placed_at.utcoffset().total_seconds() == 0
    assert order.currency == "GBP"
    assert order.customer == Customer(
        name="Siobhán O'Connor", email="siobhan.oconnor@example.co.uk", phone="+44 20 7946 0321"
    )
    assert order.shipping_address == ADDRESS
    assert order.billing_address == ADDRESS
    assert order.lines == [
        Line(
            line_id="1201",
            sku="BEANIE-MER-GRY",
            name="Merino Beanie - Grey",
            quantity=2,
            unit_price=1800,
            discount=360,
            tax=648,
            tax_rate="20",
        ),
        Line(
            line_id="1202",
            sku="SCARF-WOOL-NVY",
            name="Wool Scarf - Navy",
            quantity=1,
            unit_price=4500,
            discount=450,
            tax=810,
            tax_rate="20",
        ),
    ]
    assert order.shipping == Shipping(method="Royal Mail Tracked 48", price=395, tax=79)
    assert order.totals == Totals(
        subtotal=8100, discount=810, shipping=395, tax=1537, tax_included=False, total=9222
    )
    assert order.payment.status == "paid"
    assert order.note is None


def test_a_line_takes_the_rate_of_an_order_with_one_tax_rate_only() -> None:
    raw = json.loads((FIXTURES / "order_created.json").read_text())
    raw["tax_lines"][0]["rate_percent"] = 8.25
    assert {li.tax_rate for li in normalize(json.dumps(raw).encode()).order.lines} == {"8.25"}
    raw["tax_lines"].append({**raw["tax_lines"][0], "id": 9, "rate_id": 2, "rate_percent": 5})
    two = normalize(json.dumps(raw).encode()).order
    assert {li.tax_rate for li in two.lines} == {msgspec.UNSET}  # the series' default rate


def test_prices_include_tax_takes_amounts_gross_and_does_not_add_tax() -> None:
    order = normalize((FIXTURES / "order_prices_include_tax.json").read_bytes()).order
    assert check(order) == []
    assert [(li.unit_price, li.discount, li.tax) for li in order.lines] == [
        (2160, 432, 648),
        (5400, 540, 810),
    ]
    assert order.shipping == Shipping(method="Royal Mail Tracked 48", price=474, tax=79)
    assert order.totals == Totals(
        subtotal=9720, discount=972, shipping=474, tax=1537, tax_included=True, total=9222
    )


@pytest.mark.parametrize(
    ("status", "state", "payment"),
    [
        ("pending", "open", "pending"),
        ("on-hold", "open", "pending"),
        ("processing", "open", "paid"),
        ("completed", "fulfilled", "paid"),
        ("cancelled", "cancelled", "voided"),
        ("refunded", "cancelled", "refunded"),
        ("failed", "open", "failed"),
    ],
)
def test_status_table(status: str, state: str, payment: str) -> None:
    reported = normalize(with_status(status))
    assert (reported.state, reported.order.payment.status) == (state, payment)


def test_unknown_status_is_a_mapping_error() -> None:
    with pytest.raises(MappingError) as err:
        normalize(with_status("wc-awaiting-shipment"))
    assert "payment.status" in str(err.value)


def test_signature_over_the_raw_bytes_verifies() -> None:
    connector.verify(CONNECTION, request())


def test_one_changed_byte_fails_verification() -> None:
    tampered = BODY.replace(b'"36.00"', b'"26.00"', 1)
    assert len(tampered) == len(BODY) and tampered != BODY
    with pytest.raises(SignatureError) as err:
        connector.verify(CONNECTION, request(tampered))
    assert SIGNED["secret"] not in str(err.value)


def test_missing_signature_header_fails_verification() -> None:
    headers = {**SIGNED["headers"], "X-WC-Webhook-Signature": None}
    with pytest.raises(SignatureError):
        connector.verify(CONNECTION, request(headers=headers))


def test_describe_dedupes_on_delivery_id_and_names_the_topic() -> None:
    info = connector.describe(CONNECTION, request())
    assert info.dedupe_key == "4f1c2b9e8d7a6c5b4a3f2e1d0c9b8a7f"
    assert info.topic == "order.created"
    assert not info.ignore


def test_topics_that_are_not_orders_are_ignored() -> None:
    headers = {**SIGNED["headers"], "X-WC-Webhook-Topic": "product.updated"}
    assert connector.describe(CONNECTION, request(headers=headers)).ignore


def test_unsigned_ping_is_accepted_and_ignored() -> None:
    ping = request(PING, headers={"User-Agent": "WooCommerce/9.6.2 Hookshot (WordPress/6.7)"})
    connector.verify(CONNECTION, ping)
    info = connector.describe(CONNECTION, ping)
    assert info.ignore
    assert info.dedupe_key is None


def test_signed_ping_must_match() -> None:
    good = {"X-WC-Webhook-Signature": hmac_sha256_base64(SIGNED["secret"], PING)}
    connector.verify(CONNECTION, request(PING, headers=good))
    assert connector.describe(CONNECTION, request(PING, headers=good)).ignore
    bad = {"X-WC-Webhook-Signature": hmac_sha256_base64("not the secret", PING)}
    with pytest.raises(SignatureError):
        connector.verify(CONNECTION, request(PING, headers=bad))


def test_unsigned_body_that_is_not_a_ping_fails_verification() -> None:
    with pytest.raises(SignatureError):
        connector.verify(CONNECTION, request(BODY, headers={}))
    with pytest.raises(SignatureError):
        connector.verify(CONNECTION, request(b"webhook_id=7&id=4821", headers={}))


async def test_orders_from_message_maps_the_body_and_a_ping_gives_none() -> None:
    async with httpx.AsyncClient() as client:
        http = PartnerHttp(client)
        [reported] = await connector.orders_from_message(CONNECTION, BODY, "order.created", http)
        assert await connector.orders_from_message(CONNECTION, PING, None, http) == []
    assert reported == normalize(BODY)


@pytest.mark.parametrize(
    ("extra", "locale"),
    [
        ({}, None),  # WooCommerce alone names no language: the shipping country decides
        ({"lang": "fr"}, "fr"),  # Polylang for WooCommerce
        ({"meta_data": [{"id": 7, "key": "wpml_language", "value": "de"}]}, "de"),  # WPML
    ],
)
def test_the_buyers_locale_comes_from_the_multilingual_plugin(
    extra: dict[str, Any], locale: str | None
) -> None:
    document = json.loads(BODY) | extra
    assert normalize(json.dumps(document).encode()).order.locale == locale
