"""A parcel back to Amazon: Orders v0 ``confirmShipment``, safe to send twice.

``POST /orders/v0/orders/{orderId}/shipmentConfirmation`` with one ``packageDetail``; Amazon
answers 204. ``packageReferenceId`` is derived from the hub's ``shipment_id`` (a positive
number, sent as text as Amazon requires), so a retry names the same package and Amazon
takes it as an edit of that package, not a second one. Should Amazon refuse a retry with
400 anyway (e.g. "order already fulfilled"), the order's items are read back: when each
line of the parcel shows as shipped, the confirmation had been taken and the call succeeds.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC
from typing import Any
from urllib.parse import quote

from connectors.amazon.api import SpApi, status_of
from connectors.amazon.settings import marketplace_id
from hub.sdk import ChannelShipment, FatalError

#: Amazon's carrierCode values (Seller Central's shipping confirmation list), keyed by the
#: carrier's name lower-cased without spaces or punctuation; any other carrier is "Other"
CARRIER_CODES: dict[str, str] = {
    "usps": "USPS",
    "ups": "UPS",
    "upsmailinnovations": "UPS Mail Innovations",
    "upsmi": "UPSMI",
    "fedex": "FedEx",
    "fedexsmartpost": "FedEx SmartPost",
    "dhl": "DHL",
    "dhlexpress": "DHL",
    "dhlglobalmail": "DHL Global Mail",
    "dhlecommerce": "DHL eCommerce",
    "ontrac": "OnTrac",
    "lasership": "Lasership",
    "royalmail": "Royal Mail",
    "parcelforce": "Parcelforce",
    "canadapost": "Canada Post",
    "citylink": "City Link",
    "gls": "GLS",
    "hermes": "Hermes Logistik Gruppe",
    "tnt": "TNT",
    "aramex": "Aramex",
    "chinapost": "China Post",
    "sfexpress": "SF Express",
    "yanwen": "Yanwen",
    "4px": "4PX",
    "singaporepost": "Singapore Post",
    "ninjavan": "Ninjavan",
    "yamatotransport": "YamatoTransport",
    "sagawaexpress": "SagawaExpress",
    "nipponexpress": "NipponExpress",
    "newgistics": "Newgistics",
    "streamlite": "Streamlite",
    "osm": "OSM",
    "fastway": "Fastway",
}
OTHER = "Other"
#: answers a retry of a taken confirmation might get; checked against the order's items
MAYBE_DONE = frozenset({400, 409})


def carrier_fields(carrier: str | None) -> dict[str, str]:
    """``carrierCode`` (and ``carrierName`` when it is "Other") for a carrier's name."""
    name = (carrier or "").strip()
    code = CARRIER_CODES.get(re.sub(r"[^a-z0-9]", "", name.lower()))
    if code is not None:
        return {"carrierCode": code}
    return {"carrierCode": OTHER, "carrierName": name or "Other"}


def package_reference_id(shipment_id: str) -> str:
    """A positive number, the same for the same ``shipment_id`` (first 8 hex of its SHA-256,
    plus one: 1 to 4294967296)."""
    digest = hashlib.sha256(shipment_id.encode()).hexdigest()
    return str(int(digest[:8], 16) + 1)


def confirmation(marketplace: str, shipment: ChannelShipment) -> dict[str, Any]:
    """The confirmShipment body; FatalError when a line has no OrderItemId or there is no
    tracking number (both are required by Amazon)."""
    if not shipment.tracking_number:
        raise FatalError(f"amazon confirmShipment {shipment.shipment_id}: no tracking number")
    items = []
    for line in shipment.lines:
        if not line.line_id:
            raise FatalError(
                f"amazon confirmShipment {shipment.shipment_id}: line {line.sku!r} "
                "has no OrderItemId"
            )
        items.append({"orderItemId": line.line_id, "quantity": line.quantity})
    shipped = shipment.shipped_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    package: dict[str, Any] = {
        "packageReferenceId": package_reference_id(shipment.shipment_id),
        **carrier_fields(shipment.carrier),
        "trackingNumber": shipment.tracking_number,
        "shipDate": shipped,
        "orderItems": items,
    }
    if shipment.service:
        package["shippingMethod"] = shipment.service
    return {"marketplaceId": marketplace, "packageDetail": package}


async def _already_shipped(api: SpApi, shipment: ChannelShipment) -> bool:
    items = await api.get_order_items(shipment.external_id)
    shipped = {str(i.get("OrderItemId")): int(i.get("QuantityShipped") or 0) for i in items}
    return all(shipped.get(line.line_id or "", 0) >= line.quantity for line in shipment.lines)


async def confirm(api: SpApi, shipment: ChannelShipment) -> None:
    body = confirmation(marketplace_id(api.settings, "confirm shipments"), shipment)
    path = f"/orders/v0/orders/{quote(shipment.external_id, safe='')}/shipmentConfirmation"
    try:
        await api.call("confirmShipment", "POST", path, json=body)
    except FatalError as exc:
        if status_of(exc) in MAYBE_DONE and await _already_shipped(api, shipment):
            return
        raise
