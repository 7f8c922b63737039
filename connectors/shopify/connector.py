"""Shopify: signed orders/* webhooks in (orders/paid among them: the money arrived), canonical
orders out through ``shopify_order.yaml``; returns/* webhooks in as the buyer's and the
merchant's returns (``returns.py``); stock, shipments and refunds out through the GraphQL
Admin API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.shopify import refunds, returns, shipments, stock
from connectors.shopify.settings import ShopifySettings, parse_settings
from hub.sdk import (
    Capability,
    ChannelOrder,
    ChannelRefund,
    ChannelReturn,
    ChannelShipment,
    Connection,
    PartnerHttp,
    RefundSent,
    ReportedRefund,
    SignatureError,
    StockFigure,
    StockPushResult,
    WebhookInfo,
    WebhookRequest,
    hmac_sha256_base64,
    map_documents,
    signatures_match,
)

MAPPING = "shopify_order"
#: webhook topics whose body is a whole REST Order; any other topic is acknowledged and ignored.
#: orders/paid: the order's financial_status became paid (its money arrived)
ORDER_TOPICS = frozenset({"orders/create", "orders/updated", "orders/paid", "orders/cancelled"})
#: returns/*: a Return (its id, order, lines, reasons); see returns.TOPICS
TOPICS = ORDER_TOPICS | frozenset(returns.TOPICS)
SIGNATURE_HEADER = "X-Shopify-Hmac-Sha256"


class ShopifyConnector:
    """The Shopify channel: webhooks and order mapping; stock and shipments back to Shopify."""

    name = "shopify"
    settings_type = ShopifySettings
    capabilities = frozenset(
        {
            Capability.RECEIVE_WEBHOOK,
            Capability.PUSH_STOCK,
            Capability.READ_STOCK,
            Capability.PUSH_SHIPMENT,
            Capability.REFUND,
            Capability.REPORT_RETURNS,
        }
    )
    #: quantities per inventorySetQuantities call (Shopify's input array limit)
    stock_batch_size = stock.STOCK_BATCH_SIZE
    #: a mutation costs 10 points; 2 calls/s (20 points/s) leaves most of a Standard plan's
    #: 100 points/s restore rate to the shop's other apps and to the read-backs
    stock_calls_per_second = 2.0

    def normalize(
        self, documents: list[bytes], *, channel: str, settings: Mapping[str, Any] | None = None
    ) -> list[ChannelOrder]:
        """REST Order documents (webhook bodies) to canonical orders.

        ``settings["mapping"]`` may name another mapping for this connection.
        """
        return map_documents(
            documents, mapping=(settings or {}).get("mapping") or MAPPING, channel=channel
        )

    def verify(self, connection: Connection, request: WebhookRequest) -> None:
        """base64(HMAC-SHA256(webhook_secret, raw body)) must equal X-Shopify-Hmac-Sha256."""
        expected = hmac_sha256_base64(connection.secret("webhook_secret"), request.body)
        if not signatures_match(expected, request.header(SIGNATURE_HEADER)):
            raise SignatureError(f"{SIGNATURE_HEADER} is missing or does not match the body")

    def describe(self, connection: Connection, request: WebhookRequest) -> WebhookInfo:
        """Dedupe on the event id (one per event, shared by every subscription to it)."""
        topic = request.header("X-Shopify-Topic")
        key = request.header("X-Shopify-Event-Id") or request.header("X-Shopify-Webhook-Id")
        return WebhookInfo(
            dedupe_key=key, topic=topic, ignore=topic is not None and topic not in TOPICS
        )

    async def orders_from_message(
        self, connection: Connection, body: bytes, topic: str | None, http: PartnerHttp
    ) -> list[ChannelOrder]:
        """The webhook body is the whole order: nothing to fetch."""
        return self.normalize([body], channel=connection.code, settings=connection.settings)

    async def push_stock(
        self,
        connection: Connection,
        figures: list[StockFigure],
        http: PartnerHttp,
        *,
        idempotency_key: str,
    ) -> StockPushResult:
        """One ``inventorySetQuantities`` for the batch, at the connection's location."""
        settings = parse_settings(connection.settings)
        return await stock.push_stock(connection, settings, figures, http, idempotency_key)

    async def read_stock(
        self, connection: Connection, figures: list[StockFigure], http: PartnerHttp
    ) -> dict[str, int]:
        """The ``available`` quantity Shopify shows at the location, per SKU."""
        settings = parse_settings(connection.settings)
        return await stock.read_stock(connection, settings, figures, http)

    async def push_shipment(
        self, connection: Connection, shipment: ChannelShipment, http: PartnerHttp
    ) -> None:
        """Fulfil the shipment's lines on the order with its tracking; safe to repeat."""
        settings = parse_settings(connection.settings)
        await shipments.push_shipment(connection, settings, shipment, http)

    async def refund_order(
        self, connection: Connection, refund: ChannelRefund, http: PartnerHttp
    ) -> RefundSent:
        """``refundCreate`` for a return's refund; a refund made before is found, not made
        again."""
        settings = parse_settings(connection.settings)
        return await refunds.refund_order(connection, settings, refund, http)

    def reports_returns(self, topic: str | None) -> bool:
        return topic in returns.TOPICS

    async def returns_from_message(
        self, connection: Connection, body: bytes, topic: str | None, http: PartnerHttp
    ) -> list[ChannelReturn | ReportedRefund]:
        """A returns/* webhook body is the Return: nothing to fetch."""
        return [returns.to_channel_return(body, topic)]
