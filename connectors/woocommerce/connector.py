"""WooCommerce: signed order.* webhooks in, canonical orders out through ``woocommerce_order.yaml``;
stock pushed and read back, shipments told back as order notes (REST v3, ``stock.py`` and
``shipments.py``).

WooCommerce pings a new webhook's URL once with the form body ``webhook_id=N``, no
``X-WC-Webhook-*`` headers and no signature; that ping is accepted and ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from connectors.woocommerce import refunds, shipments, stock
from connectors.woocommerce.settings import DEFAULT_MAPPING, WooCommerceSettings
from hub.sdk import (
    Capability,
    ChannelOrder,
    ChannelRefund,
    ChannelShipment,
    Connection,
    PartnerHttp,
    RefundSent,
    SignatureError,
    StockFigure,
    StockPushResult,
    WebhookInfo,
    WebhookRequest,
    hmac_sha256_base64,
    map_documents,
    signatures_match,
)

MAPPING = DEFAULT_MAPPING
#: webhook topics whose body is a whole order; any other topic is acknowledged and ignored
TOPICS = frozenset({"order.created", "order.updated"})
SIGNATURE_HEADER = "X-WC-Webhook-Signature"
_PING = re.compile(rb"\s*webhook_id=\d+\s*")


def is_ping(body: bytes) -> bool:
    """The form-encoded ``webhook_id=N`` WooCommerce sends when a webhook is created."""
    return _PING.fullmatch(body) is not None


class WooCommerceConnector:
    """The WooCommerce channel: webhook verification, the creation ping, order mapping,
    stock out and back, shipments back."""

    name = "woocommerce"
    settings_type = WooCommerceSettings
    capabilities = frozenset(
        {
            Capability.RECEIVE_WEBHOOK,
            Capability.PUSH_STOCK,
            Capability.READ_STOCK,
            Capability.PUSH_SHIPMENT,
            Capability.REFUND,
        }
    )
    #: products/batch and variations/batch take at most 100 items
    stock_batch_size = stock.BATCH_LIMIT
    #: WooCommerce documents no rate limit; a shared host copes with this much
    stock_calls_per_second = 2.0

    def normalize(
        self, documents: list[bytes], *, channel: str, settings: Mapping[str, Any] | None = None
    ) -> list[ChannelOrder]:
        """REST v3 order documents (webhook bodies) to canonical orders.

        ``settings["mapping"]`` may name another mapping for this connection.
        """
        return map_documents(
            documents, mapping=(settings or {}).get("mapping", MAPPING), channel=channel
        )

    def verify(self, connection: Connection, request: WebhookRequest) -> None:
        """base64(HMAC-SHA256(webhook_secret, raw body)) must equal X-WC-Webhook-Signature.

        The one exception is the creation ping, which WooCommerce sends unsigned: a
        ``webhook_id=N`` body without a signature header passes (it is then ignored). A ping
        that carries a signature must match like any other delivery.
        """
        given = request.header(SIGNATURE_HEADER)
        if given is None and is_ping(request.body):
            return
        expected = hmac_sha256_base64(connection.secret("webhook_secret"), request.body)
        if not signatures_match(expected, given):
            raise SignatureError(f"{SIGNATURE_HEADER} is missing or does not match the body")

    def describe(self, connection: Connection, request: WebhookRequest) -> WebhookInfo:
        """Dedupe on the delivery id; the ping and topics other than orders are ignored."""
        topic = request.header("X-WC-Webhook-Topic")
        ignore = is_ping(request.body) or (topic is not None and topic not in TOPICS)
        return WebhookInfo(
            dedupe_key=request.header("X-WC-Webhook-Delivery-ID"), topic=topic, ignore=ignore
        )

    async def orders_from_message(
        self, connection: Connection, body: bytes, topic: str | None, http: PartnerHttp
    ) -> list[ChannelOrder]:
        """The webhook body is the whole order: nothing to fetch (a ping stands for none)."""
        if is_ping(body):
            return []
        return self.normalize([body], channel=connection.code, settings=connection.settings)

    async def push_stock(
        self,
        connection: Connection,
        figures: list[StockFigure],
        http: PartnerHttp,
        *,
        idempotency_key: str,
    ) -> StockPushResult:
        """products/batch for simple products, variations/batch per parent.

        WooCommerce takes no idempotency key; setting a quantity twice is harmless.
        """
        return await stock.push_stock(connection, figures, http)

    async def read_stock(
        self, connection: Connection, figures: list[StockFigure], http: PartnerHttp
    ) -> dict[str, int]:
        """``stock_quantity`` of the figures' products and variations."""
        return await stock.read_stock(connection, figures, http)

    async def push_shipment(
        self, connection: Connection, shipment: ChannelShipment, http: PartnerHttp
    ) -> None:
        """A customer note with the tracking (once), and ``completed`` when all shipped."""
        await shipments.push_shipment(connection, shipment, http)

    async def refund_order(
        self, connection: Connection, refund: ChannelRefund, http: PartnerHttp
    ) -> RefundSent:
        """``POST orders/{id}/refunds`` (once: a refund with the hub's reason is found)."""
        return await refunds.refund_order(connection, refund, http)
