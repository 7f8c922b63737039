"""Shopify: signed orders/* webhooks in, canonical orders out through ``shopify_order.yaml``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.sdk import (
    Capability,
    ChannelOrder,
    Connection,
    PartnerHttp,
    SignatureError,
    WebhookInfo,
    WebhookRequest,
    hmac_sha256_base64,
    map_documents,
    signatures_match,
)

MAPPING = "shopify_order"
#: webhook topics whose body is a whole REST Order; any other topic is acknowledged and ignored
TOPICS = frozenset({"orders/create", "orders/updated", "orders/cancelled"})
SIGNATURE_HEADER = "X-Shopify-Hmac-Sha256"


class ShopifyConnector:
    """The Shopify channel: webhook verification, dedupe keys and order mapping."""

    name = "shopify"
    capabilities = frozenset({Capability.RECEIVE_WEBHOOK})

    def normalize(
        self, documents: list[bytes], *, channel: str, settings: Mapping[str, Any] | None = None
    ) -> list[ChannelOrder]:
        """REST Order documents (webhook bodies) to canonical orders.

        ``settings["mapping"]`` may name another mapping for this connection.
        """
        return map_documents(
            documents, mapping=(settings or {}).get("mapping", MAPPING), channel=channel
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
