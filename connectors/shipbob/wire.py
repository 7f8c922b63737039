"""ShipBob's wire shapes: the Order and Shipment view models it sends (API answers and
webhook bodies), and the Create Order body built from a ``FulfilmentRequest``.

Only the fields the connector reads are declared; the rest are ignored, so a field ShipBob
adds does not break decoding. Money goes out as a JSON number computed exactly from minor
units (``Decimal.scaleb`` with the currency's ISO 4217 exponent), never through a float.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import iso4217
import msgspec

from connectors.shipbob.settings import ShipBobSettings
from hub.sdk import FatalError, FulfilmentRequest

#: encodes Decimal as a JSON number (12.99), as ShipBob's decimal fields want
_ENCODER = msgspec.json.Encoder(decimal_format="number")
_INT32_MAX = 2**31 - 1


class Tracking(msgspec.Struct, frozen=True, kw_only=True):
    carrier: str | None = None
    carrier_service: str | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None
    shipping_date: datetime | None = None


class InventoryItem(msgspec.Struct, frozen=True, kw_only=True):
    quantity: int = 0


class ShipmentProduct(msgspec.Struct, frozen=True, kw_only=True):
    reference_id: str | None = None
    sku: str | None = None
    quantity: int | None = None
    inventory_items: list[InventoryItem] | None = None


class StatusDetail(msgspec.Struct, frozen=True, kw_only=True):
    name: str | None = None


class Shipment(msgspec.Struct, frozen=True, kw_only=True):
    id: int | str
    order_id: int | str | None = None
    reference_id: str | None = None
    status: str | None = None
    status_details: list[StatusDetail] | None = None
    is_tracking_uploaded: bool | None = None
    actual_fulfillment_date: datetime | None = None
    delivery_date: datetime | None = None
    tracking: Tracking | None = None
    products: list[ShipmentProduct] | None = None


class Order(msgspec.Struct, frozen=True, kw_only=True):
    id: int | str
    reference_id: str | None = None
    status: str | None = None
    shipments: list[Shipment] | None = None


def decimal_amount(minor: int, currency: str) -> Decimal:
    """``minor`` units of ``currency`` as an exact decimal (1299 USD -> 12.99, 500 JPY -> 500)."""
    try:
        exponent = iso4217.Currency(currency.upper()).exponent
    except ValueError:
        raise FatalError(f"fulfilment currency {currency!r} is not an ISO 4217 code") from None
    if exponent is None:
        raise FatalError(f"fulfilment currency {currency!r} has no minor unit")
    return Decimal(minor).scaleb(-exponent).quantize(Decimal(1).scaleb(-exponent))


def shipping_method(request: FulfilmentRequest, settings: ShipBobSettings) -> str:
    """The ShipBob ship option for the request's service level (the default without one)."""
    if request.service_level and request.service_level in settings.shipping_method_map:
        return settings.shipping_method_map[request.service_level]
    return settings.default_shipping_method


def external_line_ids(request: FulfilmentRequest) -> list[int]:
    """ShipBob's ``external_line_id`` is an int32: the channel's line ids when every one is
    such a number, else the lines' positions (1, 2, ...) for all of them."""
    ids = [line.line_id for line in request.lines]
    if all(i is not None and i.isdecimal() and 0 < int(i) <= _INT32_MAX for i in ids):
        return [int(i) for i in ids if i is not None]
    return list(range(1, len(ids) + 1))


def create_order_body(request: FulfilmentRequest, settings: ShipBobSettings) -> dict[str, Any]:
    """The Create Order body: ``reference_id`` is the hub's fulfilment id (unique per ShipBob
    account, so a retried create is refused instead of creating a second order)."""
    address = request.ship_to
    if address is None:
        raise FatalError(f"fulfilment {request.id}: ShipBob needs a ship-to address")
    name = address.name or request.customer.name
    if not name:
        raise FatalError(f"fulfilment {request.id}: ShipBob needs a recipient name")
    return {
        "reference_id": request.id,
        "order_number": request.order_number,
        "shipping_method": shipping_method(request, settings),
        "recipient": {
            "name": name,
            "address": {
                "address1": address.line1,
                "address2": address.line2,
                "company_name": address.company,
                "city": address.city,
                "state": address.region,
                "country": address.country,
                "zip_code": address.postal_code,
            },
            "email": request.customer.email,
            "phone_number": address.phone or request.customer.phone,
        },
        "products": [
            {
                "reference_id": line.sku,
                "name": line.name or line.sku,
                "quantity": line.quantity,
                "unit_price": decimal_amount(line.unit_price, request.currency),
                "external_line_id": line_id,
            }
            for line, line_id in zip(request.lines, external_line_ids(request), strict=True)
        ],
        "type": "DTC",
        "purchase_date": request.placed_at.isoformat(),
        "financials": {"total_price": decimal_amount(request.total, request.currency)},
    }


def encode(body: dict[str, Any]) -> bytes:
    return _ENCODER.encode(body)
