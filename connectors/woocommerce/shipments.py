"""WooCommerce shipments: a customer-visible order note with the tracking, and the order
set to ``completed`` once every line has shipped.

Safe to repeat: the order's notes are read first, and no note is added when one already
carries this tracking number or this shipment's marker.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from connectors.woocommerce.api import call
from hub.sdk import ChannelShipment, Connection, PartnerHttp, RetriableError

log = logging.getLogger(__name__)


def marker(shipment: ChannelShipment) -> str:
    """The text that ties a note to the hub's shipment, whatever its tracking."""
    return f"(ref {shipment.shipment_id})"


def note_text(shipment: ChannelShipment) -> str:
    """``Shipped with <carrier> <service>: tracking <number> <url> (ref <shipment id>)``."""
    text = "Shipped"
    carrier = " ".join(p for p in (shipment.carrier, shipment.service) if p)
    if carrier:
        text += f" with {carrier}"
    if shipment.tracking_number:
        text += f": tracking {shipment.tracking_number}"
    if shipment.tracking_url:
        text += f" {shipment.tracking_url}"
    return f"{text} {marker(shipment)}"


def already_noted(notes: object, shipment: ChannelShipment) -> bool:
    """An existing note carries this tracking number or this shipment's marker."""
    if not isinstance(notes, list):
        raise RetriableError("GET orders/{id}/notes: the answer is not a list")
    needles = [marker(shipment)]
    if shipment.tracking_number:
        needles.append(shipment.tracking_number)
    for note in notes:
        text = note.get("note") if isinstance(note, dict) else None
        if isinstance(text, str) and any(needle in text for needle in needles):
            return True
    return False


async def push_shipment(
    connection: Connection, shipment: ChannelShipment, http: PartnerHttp
) -> None:
    """Add the customer note unless it is there already; complete the order when
    ``shipment.complete``."""
    order = f"/orders/{quote(shipment.external_id, safe='')}"
    notes = await call(http, connection, "GET", f"{order}/notes", "GET orders/{id}/notes")
    if already_noted(notes, shipment):
        log.info(
            "woocommerce order %s already has shipment %s",
            shipment.external_id,
            shipment.shipment_id,
        )
    else:
        body = {"note": note_text(shipment), "customer_note": True}
        await call(http, connection, "POST", f"{order}/notes", "POST orders/{id}/notes", json=body)
    if shipment.complete:
        await call(http, connection, "PUT", order, "PUT orders/{id}", json={"status": "completed"})
