"""Square (POS): signed order notifications in; the order and its SKUs fetched; mapped by
``square_order.yaml``; stock pushed and read back (``stock.py``) and shipments told back
(``shipments.py``); a return's refund sent as RefundPayment (``refunds.py``).

A notification carries only the order's id. Mapping it fetches the order (RetrieveOrder)
and the catalog variations its lines refer to (BatchRetrieveCatalogObjects), joins each
line to its SKU, and maps the combined root ``{"order", "catalog"}``. The stored message is
the notification, so a replay fetches again: a line without a SKU is quarantined until the
catalog is fixed, then a replay succeeds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from connectors.square import api, refunds, shipments, stock, webhooks
from connectors.square import catalog as catalogs
from connectors.square import documents as docs
from connectors.square.settings import SquareSettings, parse_settings
from hub.sdk import (
    Capability,
    ChannelOrder,
    ChannelRefund,
    ChannelShipment,
    Connection,
    MappingError,
    OrderMapping,
    PartnerHttp,
    RefundSent,
    StockFigure,
    StockPushResult,
    WebhookInfo,
    WebhookRequest,
    mapping_named,
)


def _to_orders(
    mapping: OrderMapping, roots: list[dict[str, Any]], channel: str
) -> list[ChannelOrder]:
    out = []
    for root in roots:
        reported = mapping.to_order(root, channel=channel)
        out.append(msgspec.structs.replace(reported, updated_at=root["order"].get("updated_at")))
    return out


class SquareConnector:
    """The Square channel: notification verification, order and catalog fetch, mapping;
    inventory counts out and back; shipments back."""

    name = "square"
    settings_type = SquareSettings
    capabilities = frozenset(
        {
            Capability.RECEIVE_WEBHOOK,
            Capability.PUSH_STOCK,
            Capability.READ_STOCK,
            Capability.PUSH_SHIPMENT,
            Capability.REFUND,
        }
    )
    #: BatchChangeInventory takes at most 100 changes per call
    stock_batch_size = stock.CHANGES_LIMIT
    #: the hub's default pace for BatchChangeInventory calls
    stock_calls_per_second = 2.0

    def normalize(
        self, documents: list[bytes], *, channel: str, settings: Mapping[str, Any] | None = None
    ) -> list[ChannelOrder]:
        """Order responses joined with catalog responses (or combined roots) to canonical
        orders: ``hub normalize square order.json catalog.json``.

        ``settings["mapping"]`` may name another mapping.
        """
        mapping = mapping_named(parse_settings(settings).mapping)
        return _to_orders(mapping, docs.roots(documents, mapping.name), channel)

    def verify(self, connection: Connection, request: WebhookRequest) -> None:
        """base64(HMAC-SHA256(signature_key, notification_url + raw body)) must match."""
        webhooks.verify(connection, request)

    def describe(self, connection: Connection, request: WebhookRequest) -> WebhookInfo:
        """Dedupe on ``event_id``; topic ``type``; other than order.created/updated ignored."""
        return webhooks.describe(request)

    async def orders_from_message(
        self, connection: Connection, body: bytes, topic: str | None, http: PartnerHttp
    ) -> list[ChannelOrder]:
        """Fetch the notified order and its lines' catalog variations, then map them."""
        settings = parse_settings(connection.settings)
        mapping = mapping_named(settings.mapping)
        envelope = webhooks.envelope(body)
        order_id = envelope.order_id if envelope is not None else None
        if not order_id:
            raise MappingError(mapping.name, "$", "the notification names no order")
        order = await api.retrieve_order(http, connection, settings, order_id)
        ids = catalogs.object_ids(order)
        found = await api.batch_retrieve_catalog(http, connection, settings, ids) if ids else {}
        root = catalogs.combine(order, catalogs.skus(found), mapping.name)
        return _to_orders(mapping, [root], connection.code)

    async def push_stock(
        self,
        connection: Connection,
        figures: list[StockFigure],
        http: PartnerHttp,
        *,
        idempotency_key: str,
    ) -> StockPushResult:
        """PHYSICAL_COUNT changes at ``settings.location_id``, with ``idempotency_key``."""
        return await stock.push_stock(connection, figures, http, idempotency_key)

    async def read_stock(
        self, connection: Connection, figures: list[StockFigure], http: PartnerHttp
    ) -> dict[str, int]:
        """IN_STOCK counts at ``settings.location_id`` (cursor followed)."""
        return await stock.read_stock(connection, figures, http)

    async def push_shipment(
        self, connection: Connection, shipment: ChannelShipment, http: PartnerHttp
    ) -> None:
        """Tracking onto the order's SHIPMENT fulfilment; POS orders have none (no-op)."""
        await shipments.push_shipment(connection, shipment, http)

    async def refund_order(
        self, connection: Connection, refund: ChannelRefund, http: PartnerHttp
    ) -> RefundSent:
        """RefundPayment on the order's tender, keyed by the hub's refund id (once)."""
        return await refunds.refund_order(connection, refund, http)
