"""A parcel back to eBay: Sell Fulfillment API ``createShippingFulfillment``, safe to send twice.

eBay takes no idempotency key, so the order's fulfillments are read first
(``GET /sell/fulfillment/v1/order/{orderId}/shipping_fulfillment``): when one already has the
parcel's tracking number (or, for a parcel without one, exactly its line items), it was taken
by an earlier attempt and nothing is sent. Otherwise ``POST`` the same path with
``{lineItems: [{lineItemId, quantity}], shippedDate, shippingCarrierCode, trackingNumber}``;
eBay answers 201.
"""

from __future__ import annotations

import re
from datetime import UTC
from typing import Any
from urllib.parse import quote

import msgspec

from connectors.ebay.inventory import headers
from connectors.ebay.settings import base_url
from hub.sdk import ChannelShipment, Connection, FatalError, PartnerHttp, RetriableError

#: eBay's shippingCarrierCode values (Trading API ShippingCarrierCodeType), keyed by the
#: carrier's name lower-cased without spaces or punctuation; any other carrier is "Other"
CARRIER_CODES: dict[str, str] = {
    "usps": "USPS",
    "ups": "UPS",
    "fedex": "FedEx",
    "dhl": "DHL",
    "dhlexpress": "DHL",
    "dhlpaket": "DHL",
    "deutschepost": "DeutschePost",
    "hermes": "Hermes",
    "iloxx": "iLoxx",
    "chronopost": "Chronopost",
    "coliposte": "ColiposteDomestic",
    "colissimo": "ColiposteDomestic",
    "correos": "Correos",
    "seur": "Seur",
    "nacex": "Nacex",
    "gls": "GLS",
    "dpd": "DPD",
    "royalmail": "RoyalMail",
    "parcelforce": "Parcelforce",
    "canadapost": "CanadaPost",
    "australiapost": "AustraliaPost",
}
OTHER = "Other"


class _LineItem(msgspec.Struct):
    lineItemId: str
    quantity: int = 0


class _Fulfillment(msgspec.Struct):
    fulfillmentId: str | None = None
    shipmentTrackingNumber: str | None = None
    lineItems: list[_LineItem] = []


class _Fulfillments(msgspec.Struct):
    fulfillments: list[_Fulfillment] = []


def carrier_code(carrier: str | None) -> str:
    return CARRIER_CODES.get(re.sub(r"[^a-z0-9]", "", (carrier or "").lower()), OTHER)


def ebay_time(shipment: ChannelShipment) -> str:
    at = shipment.shipped_at.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def fulfillment_body(shipment: ChannelShipment) -> dict[str, Any]:
    """The createShippingFulfillment body; FatalError when a line has no lineItemId."""
    lines = []
    for line in shipment.lines:
        if not line.line_id:
            raise FatalError(
                f"ebay shipping fulfillment {shipment.shipment_id}: line {line.sku!r} "
                "has no lineItemId"
            )
        lines.append({"lineItemId": line.line_id, "quantity": line.quantity})
    body: dict[str, Any] = {"lineItems": lines, "shippedDate": ebay_time(shipment)}
    if shipment.tracking_number:
        body["shippingCarrierCode"] = carrier_code(shipment.carrier)
        body["trackingNumber"] = shipment.tracking_number
    return body


def _same_parcel(found: _Fulfillment, shipment: ChannelShipment) -> bool:
    if shipment.tracking_number:
        return _norm(found.shipmentTrackingNumber) == _norm(shipment.tracking_number)
    mine = sorted((line.line_id or "", line.quantity) for line in shipment.lines)
    return not found.shipmentTrackingNumber and mine == sorted(
        (item.lineItemId, item.quantity) for item in found.lineItems
    )


def _norm(tracking: str | None) -> str:
    return re.sub(r"\s", "", tracking or "").upper()


def _path(shipment: ChannelShipment) -> str:
    return f"/sell/fulfillment/v1/order/{quote(shipment.external_id, safe='')}/shipping_fulfillment"


async def push(http: PartnerHttp, connection: Connection, shipment: ChannelShipment) -> None:
    body = fulfillment_body(shipment)
    url = base_url(connection) + _path(shipment)
    response = await http.get(url, headers=headers(connection))
    try:
        existing = msgspec.json.decode(response.content, type=_Fulfillments)
    except msgspec.MsgspecError:
        raise RetriableError("GET shipping_fulfillment: the answer is not understood") from None
    if any(_same_parcel(found, shipment) for found in existing.fulfillments):
        return
    await http.post(url, json=body, headers=headers(connection))
