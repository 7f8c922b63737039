"""The demo's sandbox partners speak the wire formats the real connectors read: what they
sign verifies, what they send maps (shop orders to valid canonical orders, the 3PL's
``order.shipped`` to a parcel, the carrier's trackers to each tracking status)."""

from __future__ import annotations

import asyncio
import io

import pytest

from connectors.easypost import connector as easypost
from connectors.shipbob import connector as shipbob
from connectors.shopify import connector as shopify
from hub.demo.carrier import STEPS, Carrier, tracker_at
from hub.demo.narrate import Voice
from hub.demo.shop import Shop, vat_in
from hub.demo.threepl import ThreePL
from hub.demo.world import Secrets
from hub.domain.order import check, normalise
from hub.sdk import Connection, SignatureError, WebhookRequest

SECRETS = Secrets.fresh()


def request(body: bytes, headers: dict[str, str]) -> WebhookRequest:
    lowered = {k.lower(): v for k, v in headers.items()}
    return WebhookRequest(url="http://127.0.0.1/webhooks/x", headers=lowered, body=body)


def connection(connector: str, **secrets: str) -> Connection:
    return Connection(code=connector, connector=connector, secrets=secrets)


def test_vat_inside_a_gross_amount_rounds_half_up() -> None:
    assert vat_in(2900) == 463  # 29.00 * 19 / 119 = 4.6302
    assert vat_in(119) == 19 and vat_in(0) == 0


def test_the_shops_orders_are_signed_and_map_to_valid_orders() -> None:
    shop = Shop(SECRETS.shop_webhook, SECRETS.shop_token, Voice(io.StringIO()), seed=7)
    seen = connection("shopify", webhook_secret=SECRETS.shop_webhook)
    for _ in range(25):
        body, headers = shop.signed(shop.next_order(), "orders/create")
        shopify.verify(seen, request(body, headers))
        [mapped] = shopify.normalize([body], channel="shopify")
        assert check(normalise(mapped.order)) == []
        assert mapped.order.payment.status == "paid"
    body, headers = shop.signed(shop.next_order(), "orders/create")
    with pytest.raises(SignatureError):
        shopify.verify(seen, request(body + b" ", headers))


def test_the_3pl_reports_a_shipment_the_shipbob_connector_reads() -> None:
    threepl = ThreePL(
        SECRETS.threepl_webhook, SECRETS.threepl_token, Voice(io.StringIO()),
        ship_after=60, handover=lambda *_: None,
    )  # fmt: skip
    order_id = 381_000_001
    threepl.orders[order_id] = {
        "id": order_id, "reference_id": "F-1", "status": "Processing", "shipments": [],
        "products": [{"reference_id": "MUG", "name": "Mug", "quantity": 2}],
    }  # fmt: skip
    order, number = threepl.ship(order_id)
    body, headers = threepl.signed(order, "order.shipped")
    seen = connection("shipbob", webhook_secret=SECRETS.threepl_webhook)
    shipbob.verify(seen, request(body, headers))
    [report] = asyncio.run(shipbob.events_from_message(seen, body, "order.shipped", None))  # type: ignore[arg-type]
    assert (report.fulfilment_ref, report.tracking_number) == ("F-1", number)
    assert [(line.sku, line.quantity) for line in report.lines] == [("MUG", 2)]


def test_the_carriers_trackers_are_signed_and_walk_to_delivered() -> None:
    carrier = Carrier(SECRETS.carrier_webhook, Voice(io.StringIO()), step_every=60)
    seen = connection("easypost", webhook_secret=SECRETS.carrier_webhook)
    statuses = []
    for step in range(len(STEPS)):
        body, headers = carrier.signed(tracker_at("trk_1", "USPS", "Ground", "9400", step))
        easypost.verify(seen, request(body, headers))
        [event] = asyncio.run(easypost.events_from_message(seen, body, None, None))  # type: ignore[arg-type]
        assert event.tracking_number == "9400"
        statuses.append(event.status)
    assert statuses == ["in_transit", "out_for_delivery", "delivered"]
