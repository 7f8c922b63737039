"""EasyPost (multi-carrier API): rates and labels bought, signed tracker webhooks mapped.

A carrier, not a sales channel: it has no orders, so no ``normalize``. Capabilities
``buy_labels`` (``hub.sdk.BuysLabels``) and ``receive_events`` (``hub.sdk.ReceivesEvents``).
"""

from __future__ import annotations

from connectors.easypost import api, shipments, tracking, webhooks
from connectors.easypost.settings import EasyPostSettings, parse_settings
from hub.sdk import (
    Capability,
    Connection,
    FatalError,
    Label,
    LabelRequest,
    PartnerEvent,
    PartnerHttp,
    Rate,
    WebhookInfo,
    WebhookRequest,
)

#: statuses EasyPost refuses a second purchase of one shipment with
#: (error code ``SHIPMENT.POSTAGE.EXISTS``); the shipment is then read back
REFUSED_PURCHASE_STATUSES = frozenset({400, 409, 422})


class EasyPostConnector:
    """The EasyPost carrier: rate quotes, idempotent label purchase, tracker webhooks."""

    name = "easypost"
    settings_type = EasyPostSettings
    capabilities = frozenset({Capability.BUY_LABELS, Capability.RECEIVE_EVENTS})

    # ------------------------------------------------------------------ labels

    async def rates(
        self, connection: Connection, request: LabelRequest, http: PartnerHttp
    ) -> list[Rate]:
        """Create the shipment (``POST /v2/shipments``) and return its quotes."""
        settings = parse_settings(connection.settings)
        body = shipments.shipment_body(request, settings)
        shipment = await api.create_shipment(http, connection, body)
        return shipments.rates(shipment)

    async def buy_label(self, connection: Connection, rate: Rate, http: PartnerHttp) -> Label:
        """Buy ``rate`` (``POST /v2/shipments/{id}/buy``), fetching the label when set to.

        Safe to call twice: when EasyPost refuses the purchase because the shipment is
        already bought (a retry after a lost answer), the shipment is read back
        (``GET /v2/shipments/{id}``) and its label returned; nothing is bought again.
        """
        settings = parse_settings(connection.settings)
        try:
            shipment = await api.buy_shipment(http, connection, rate.shipment_id, rate.id)
        except FatalError as refused:
            # PartnerHttp keeps the answer's body (and so EasyPost's error code) out of the
            # error: whether the shipment is bought is asked of EasyPost instead.
            if refused.status_code not in REFUSED_PURCHASE_STATUSES:
                raise
            shipment = await api.retrieve_shipment(http, connection, rate.shipment_id)
            if not shipment.bought:
                raise
        document = None
        url = shipments.label_url(shipment, settings.label_format)
        if settings.fetch_label and url:
            document = await api.fetch_document(http, url)
        return shipments.label(shipment, settings.label_format, document)

    # ------------------------------------------------------------------ webhooks

    def verify(self, connection: Connection, request: WebhookRequest) -> None:
        """``X-Hmac-Signature`` must be ``hmac-sha256-hex=`` + hex HMAC-SHA256 of the body."""
        webhooks.verify(connection, request)

    def describe(self, connection: Connection, request: WebhookRequest) -> WebhookInfo:
        """Dedupe on the event ``id``; topic its ``description``."""
        return webhooks.describe(request)

    async def events_from_message(
        self, connection: Connection, body: bytes, topic: str | None, http: PartnerHttp
    ) -> list[PartnerEvent]:
        """tracker.created / tracker.updated: one TrackingEvent; other events: none."""
        return list(tracking.events(body))
