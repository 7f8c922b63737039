"""ShipBob orders and shipments to the hub's ``ShipmentReport`` / ``FulfilmentCancelled``.

Pure functions: a webhook body (the Order view model for ``order.shipped``, the Shipment
view model for the ``order.shipment.*`` topics) or a polled order in, hub events out.
Statuses go through tables (``hub.sdk.tracking_status``), never ad hoc string tests.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypeVar

import msgspec

from connectors.shipbob import wire
from hub.sdk import (
    FulfilmentCancelled,
    MappingError,
    ParcelLine,
    PartnerEvent,
    ShipmentReport,
    TrackingStatus,
    tracking_status,
)

WHAT = "shipbob"
T = TypeVar("T")

#: webhook topic -> status of the shipments it reports (2025-07 names and legacy 1.0 names)
TOPIC_STATUS: dict[str, TrackingStatus] = {
    "order.shipped": "in_transit",
    "order_shipped": "in_transit",
    "order.shipment.delivered": "delivered",
    "shipment_delivered": "delivered",
    "order.shipment.exception": "exception",
    "shipment_exception": "exception",
    "order.shipment.on_hold": "exception",
    "shipment_onhold": "exception",
    "order.shipment.cancelled": "cancelled",
    "shipment_cancelled": "cancelled",
}

#: a polled shipment's own ``status`` -> status (it has tracking: its label is bought)
SHIPMENT_STATUS: dict[str, TrackingStatus] = {
    "processing": "in_transit",
    "labeledcreated": "in_transit",
    "completed": "in_transit",
    "exception": "exception",
    "onhold": "exception",
    "cleansweeped": "exception",
    "cancelled": "cancelled",
    "importreview": "pre_transit",
    "none": "pre_transit",
}


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _lines(shipment: wire.Shipment) -> list[ParcelLine]:
    lines = []
    for product in shipment.products or []:
        sku = product.sku or product.reference_id
        if not sku:
            continue
        if product.inventory_items:
            quantity = sum(item.quantity for item in product.inventory_items)
        else:
            quantity = product.quantity or 0
        if quantity > 0:
            lines.append(ParcelLine(sku=sku, quantity=quantity))
    return lines


def _detail(shipment: wire.Shipment) -> str | None:
    words = [shipment.status or ""] + [d.name or "" for d in shipment.status_details or []]
    text = " / ".join(w for w in words if w)
    return text or None


def report(shipment: wire.Shipment, fulfilment_ref: str, status: TrackingStatus) -> ShipmentReport:
    """One parcel: carrier, service and tracking from ``tracking`` (none yet: the hub polls
    later), lines from its products (quantity = sum of inventory items)."""
    tracking = shipment.tracking or wire.Tracking()
    if shipment.delivery_date is not None and status == "in_transit":
        status = "delivered"
    return ShipmentReport(
        fulfilment_ref=fulfilment_ref,
        partner_shipment_id=str(shipment.id),
        status=status,
        carrier=tracking.carrier or None,
        service=tracking.carrier_service or None,
        tracking_number=tracking.tracking_number or None,
        tracking_url=tracking.tracking_url or None,
        lines=_lines(shipment),
        shipped_at=_utc(tracking.shipping_date or shipment.actual_fulfillment_date),
        detail=_detail(shipment),
    )


def polled_status(shipment: wire.Shipment) -> TrackingStatus:
    status = tracking_status(SHIPMENT_STATUS, shipment.status)
    return "in_transit" if status == "unknown" else status


def _document(body: bytes, topic: str | None) -> dict[str, object]:
    try:
        value = msgspec.json.decode(body)
    except msgspec.MsgspecError:
        raise MappingError(WHAT, "$", f"the {topic} body is not JSON") from None
    if not isinstance(value, dict):
        raise MappingError(WHAT, "$", f"the {topic} body is not a JSON object")
    return value


def _convert(document: dict[str, object], kind: type[T], topic: str | None) -> T:
    try:
        return msgspec.convert(document, kind)
    except msgspec.ValidationError as exc:
        raise MappingError(WHAT, "$", f"a {topic} body ShipBob would not send: {exc}") from None


def events_from_body(body: bytes, topic: str | None) -> list[PartnerEvent]:
    """The events one webhook body stands for; MappingError when it cannot be read.

    ``order.shipped`` carries the Order view model (its ``shipments[]``); the
    ``order.shipment.*`` topics carry one Shipment view model (an Order one is taken too).
    """
    status = tracking_status(TOPIC_STATUS, topic)
    if status == "unknown":
        raise MappingError(WHAT, "topic", f"topic {topic!r} carries no shipment news")
    document = _document(body, topic)
    if "shipments" in document:
        order = _convert(document, wire.Order, topic)
        if not order.reference_id:
            raise MappingError(WHAT, "reference_id", "the order has no reference_id")
        if status == "cancelled":
            return [FulfilmentCancelled(fulfilment_ref=order.reference_id, detail=order.status)]
        if not order.shipments:
            raise MappingError(WHAT, "shipments", "the order has no shipments")
        return [report(s, order.reference_id, status) for s in order.shipments]
    shipment = _convert(document, wire.Shipment, topic)
    if not shipment.reference_id:
        raise MappingError(WHAT, "reference_id", "the shipment has no reference_id")
    if status == "cancelled":
        return [FulfilmentCancelled(fulfilment_ref=shipment.reference_id, detail=_detail(shipment))]
    return [report(shipment, shipment.reference_id, status)]


def polled_reports(orders: list[wire.Order]) -> tuple[list[ShipmentReport], list[int]]:
    """Reports for polled shipments that have a tracking number and are not marked uploaded,
    and those shipments' ids (to mark once the hub has kept the reports)."""
    reports: list[ShipmentReport] = []
    ids: list[int] = []
    for order in orders:
        if not order.reference_id:
            continue  # not created by the hub
        for shipment in order.shipments or []:
            tracking = shipment.tracking
            if tracking is None or not tracking.tracking_number or shipment.is_tracking_uploaded:
                continue
            reports.append(report(shipment, order.reference_id, polled_status(shipment)))
            if isinstance(shipment.id, int) or str(shipment.id).isdecimal():
                ids.append(int(shipment.id))
    return reports, ids
