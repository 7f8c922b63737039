"""What ``/fulfilments`` and ``/track`` take and give: request and response Structs, and
the mapping from what the fulfilment services read to them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from hub.domain.bounds import Code
from hub.sdk import Parcel
from hub.services.fulfilment.own_warehouse import FulfilmentView
from hub.services.fulfilment.public_tracking import TrackingView


class LabelAsk(msgspec.Struct, frozen=True, kw_only=True):
    """``POST /fulfilments/{id}/label``: buy a label for the parcel, carrier by the rules."""

    parcel: Parcel
    carrier_connection: Code | None = None  # default: the one connection that buys labels


class LineOut(msgspec.Struct, frozen=True):
    sku: str
    quantity: int
    shipped: int
    name: str | None = None
    line_id: str | None = None


class ParcelOut(msgspec.Struct, frozen=True):
    id: str
    carrier: str | None
    service: str | None
    tracking_number: str | None
    tracking_url: str | None
    status: str
    estimated_delivery: str | None
    shipped_at: datetime
    lines: dict[str, int]


class FulfilmentOut(msgspec.Struct, frozen=True):
    id: str
    order_id: str
    order_number: str
    location: str
    connection: str | None
    status: str
    partner_ref: str | None
    rule: str | None
    service_level: str | None
    ship_to: Any
    lines: list[LineOut]
    shipments: list[ParcelOut]
    created_at: datetime
    carrier: str | None = None
    service: str | None = None
    label_tracking_number: str | None = None
    has_label: bool = False


class PublicParcel(msgspec.Struct, frozen=True):
    carrier: str | None
    service: str | None
    tracking_number: str | None
    tracking_url: str | None
    status: str
    estimated_delivery: str | None
    shipped_at: datetime
    items: int


class PublicTracking(msgspec.Struct, frozen=True):
    """What a buyer sees: no name, no address, no email, no prices."""

    reference: str
    order_number: str
    status: str
    placed_at: datetime | None
    ship_to_country: str | None
    parcels: list[PublicParcel]


def fulfilment_out(view: FulfilmentView) -> FulfilmentOut:
    f = view.fulfilment
    return FulfilmentOut(
        id=f.id,
        order_id=f.order_id,
        order_number=view.order.number,
        location=f.location,
        connection=f.connection,
        status=f.status,
        partner_ref=f.partner_ref,
        rule=f.rule,
        service_level=f.service_level,
        ship_to=view.order.shipping_address,
        lines=[LineOut(ln.sku, ln.quantity, ln.shipped, ln.name, ln.line_id) for ln in view.lines],
        shipments=[
            ParcelOut(
                p.id,
                p.carrier,
                p.service,
                p.tracking_number,
                p.tracking_url,
                p.status,
                p.estimated_delivery,
                p.shipped_at,
                view.parts[p.id],
            )
            for p in view.parcels
        ],
        created_at=f.created_at,
        carrier=f.carrier,
        service=f.service,
        label_tracking_number=f.label_tracking,
        has_label=f.label is not None,
    )


def tracking_out(view: TrackingView) -> PublicTracking:
    order = view.order
    return PublicTracking(
        reference=order.public_ref,
        order_number=order.external_number or order.number,
        status=order.status,
        placed_at=order.placed_at,
        ship_to_country=order.shipping_address.country if order.shipping_address else None,
        parcels=[
            PublicParcel(
                p.carrier,
                p.service,
                p.tracking_number,
                p.tracking_url,
                p.status,
                p.estimated_delivery,
                p.shipped_at,
                view.items[p.id],
            )
            for p in view.parcels
        ],
    )
