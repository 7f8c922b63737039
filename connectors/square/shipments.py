"""Square shipments: tracking onto the order's SHIPMENT fulfilment with UpdateOrder.

An order rung up at the POS has no SHIPMENT fulfilment: there is nothing to tell Square
(logged at info). Otherwise the order is read (its ``version`` and the fulfilment's ``uid``)
and ``PUT /v2/orders/{id}`` sets ``shipment_details`` (and ``state: COMPLETED`` once every
line has shipped), with the hub's shipment id as the idempotency key. A fulfilment that
already carries the tracking number needs nothing more.
"""

from __future__ import annotations

import logging
from datetime import UTC
from typing import Any
from urllib.parse import quote

from connectors.square.api import headers, retrieve_order
from connectors.square.settings import base_url, parse_settings
from hub.sdk import ChannelShipment, Connection, FatalError, PartnerHttp

log = logging.getLogger(__name__)

CLOSED = frozenset({"CANCELED", "FAILED"})
#: UpdateOrder answers 409 (VERSION_MISMATCH) when the order changed since it was read
VERSION_MISMATCH = 409


def shipment_fulfilments(order: dict[str, Any]) -> list[dict[str, Any]]:
    """The order's SHIPMENT fulfilments that are not cancelled or failed."""
    return [
        f
        for f in order.get("fulfillments") or []
        if isinstance(f, dict) and f.get("type") == "SHIPMENT" and f.get("state") not in CLOSED
    ]


def _tracking(fulfilment: dict[str, Any]) -> str | None:
    details = fulfilment.get("shipment_details")
    return details.get("tracking_number") if isinstance(details, dict) else None


def already_told(fulfilments: list[dict[str, Any]], shipment: ChannelShipment) -> bool:
    """A fulfilment carries this tracking number (and is completed, when it should be);
    without a tracking number: the order completes and every fulfilment already is."""
    if not shipment.tracking_number:
        return shipment.complete and all(f.get("state") == "COMPLETED" for f in fulfilments)
    for fulfilment in fulfilments:
        if shipment.tracking_number and _tracking(fulfilment) == shipment.tracking_number:
            return not shipment.complete or fulfilment.get("state") == "COMPLETED"
    return False


def _target(fulfilments: list[dict[str, Any]], shipment: ChannelShipment) -> dict[str, Any]:
    """The fulfilment with this tracking number, else the first one still open."""
    for fulfilment in fulfilments:
        if shipment.tracking_number and _tracking(fulfilment) == shipment.tracking_number:
            return fulfilment
    open_ = [f for f in fulfilments if f.get("state") != "COMPLETED"]
    return (open_ or fulfilments)[0]


def shipment_details(shipment: ChannelShipment) -> dict[str, str]:
    """``carrier``, ``shipping_type`` (the service), tracking and ``shipped_at``."""
    shipped_at = shipment.shipped_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    details = {
        "carrier": shipment.carrier,
        "shipping_type": shipment.service,
        "tracking_number": shipment.tracking_number,
        "tracking_url": shipment.tracking_url,
        "shipped_at": shipped_at,
    }
    return {k: v for k, v in details.items() if v}


def update_body(
    order: dict[str, Any], fulfilment: dict[str, Any], shipment: ChannelShipment, key: str
) -> dict[str, Any]:
    """The sparse UpdateOrder body: location, version, the one fulfilment's changes."""
    change: dict[str, Any] = {"uid": fulfilment.get("uid")}
    if shipment.complete and fulfilment.get("state") != "COMPLETED":
        change["state"] = "COMPLETED"
    change["shipment_details"] = shipment_details(shipment)
    return {
        "order": {
            "location_id": order.get("location_id"),
            "version": order.get("version"),
            "fulfillments": [change],
        },
        "idempotency_key": key,
    }


async def push_shipment(
    connection: Connection, shipment: ChannelShipment, http: PartnerHttp
) -> None:
    """Read the order, then update its SHIPMENT fulfilment; once more on a version clash."""
    settings = parse_settings(connection.settings)
    path = f"/v2/orders/{quote(shipment.external_id, safe='')}"
    for attempt in range(2):
        order = await retrieve_order(http, connection, settings, shipment.external_id)
        fulfilments = shipment_fulfilments(order)
        if not fulfilments:
            log.info(
                "square order %s has no shipment fulfillment: nothing to tell",
                shipment.external_id,
            )
            return
        if already_told(fulfilments, shipment):
            log.info(
                "square order %s already carries shipment %s",
                shipment.external_id,
                shipment.shipment_id,
            )
            return
        # a second try follows a version clash: its body differs, so does its key
        key = shipment.shipment_id if attempt == 0 else f"{shipment.shipment_id}-{attempt}"
        body = update_body(order, _target(fulfilments, shipment), shipment, key)
        try:
            await http.request(
                "PUT", base_url(connection) + path, headers=headers(connection, settings), json=body
            )
            return
        except FatalError as exc:
            if exc.status_code != VERSION_MISMATCH or attempt:
                raise
