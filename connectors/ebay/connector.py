"""eBay: orders polled with getOrders (Sell Fulfillment API), mapped by ``ebay_order.yaml``;
stock pushed and read with the Inventory API's bulk calls (``inventory.py``); parcels sent
back as shipping fulfillments (``shipping.py``); a return's refund sent with issueRefund
(``refunds.py``); post-order returns polled into hub returns (``returns.py``).

A poll asks for the orders modified in one window (from the cursor, or ``settings.start``,
to the run's ``until``), one page per call. Each order becomes one message, keyed by its id
and ``lastModifiedDate``, so that a later version of an order comes in as an update.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from connectors.ebay import cursor as cursors
from connectors.ebay import documents as docs
from connectors.ebay import inventory, refunds, returns, shipping
from connectors.ebay.api import get_orders
from connectors.ebay.settings import EbaySettings, parse_settings
from hub.sdk import (
    Capability,
    ChannelOrder,
    ChannelRefund,
    ChannelReturn,
    ChannelShipment,
    Connection,
    OrderMapping,
    PartnerHttp,
    PolledMessage,
    PollResult,
    RefundSent,
    ReportedRefund,
    StockFigure,
    StockPushResult,
    mapping_named,
)


def _to_orders(
    mapping: OrderMapping, orders: list[dict[str, Any]], channel: str
) -> list[ChannelOrder]:
    out = []
    for order in orders:
        reported = mapping.to_order(order, channel=channel)
        out.append(msgspec.structs.replace(reported, updated_at=order.get("lastModifiedDate")))
    return out


class EbayConnector:
    """The eBay channel: polling getOrders page by page, and order mapping."""

    name = "ebay"
    settings_type = EbaySettings
    #: the marketplace collects the money: an order may go to fulfilment as it comes
    default_release_when = "always"
    capabilities = frozenset(
        {
            Capability.POLL_ORDERS,
            Capability.PUSH_STOCK,
            Capability.READ_STOCK,
            Capability.PUSH_SHIPMENT,
            Capability.REFUND,
            Capability.REPORT_RETURNS,
            Capability.POLL_RETURNS,
        }
    )
    #: bulkUpdatePriceQuantity's documented maximum per call
    stock_batch_size = inventory.BATCH
    #: the hub's default pace for bulkUpdatePriceQuantity calls (eBay meters calls a day)
    stock_calls_per_second = 2.0

    async def push_stock(
        self,
        connection: Connection,
        figures: list[StockFigure],
        http: PartnerHttp,
        *,
        idempotency_key: str,
    ) -> StockPushResult:
        """bulkUpdatePriceQuantity, 25 SKUs a call; refused SKUs in ``rejected`` (eBay takes
        no idempotency key; setting a quantity twice is harmless)."""
        return await inventory.push(http, connection, figures)

    async def read_stock(
        self, connection: Connection, figures: list[StockFigure], http: PartnerHttp
    ) -> dict[str, int]:
        """bulkGetInventoryItem, 25 SKUs a call: each item's ship-to-location quantity."""
        return await inventory.read(http, connection, figures)

    async def push_shipment(
        self, connection: Connection, shipment: ChannelShipment, http: PartnerHttp
    ) -> None:
        """createShippingFulfillment, unless the order already has this parcel."""
        await shipping.push(http, connection, shipment)

    async def refund_order(
        self, connection: Connection, refund: ChannelRefund, http: PartnerHttp
    ) -> RefundSent:
        """issueRefund, unless getOrder shows a refund of that amount already (once)."""
        return await refunds.refund_order(connection, refund, http)

    def normalize(
        self, documents: list[bytes], *, channel: str, settings: Mapping[str, Any] | None = None
    ) -> list[ChannelOrder]:
        """getOrders responses (every order in them) or single orders to canonical orders.

        ``settings["mapping"]`` may name another mapping.
        """
        mapping = mapping_named(parse_settings(settings).mapping)
        return _to_orders(mapping, docs.orders(documents, mapping.name), channel)

    async def orders_from_message(
        self, connection: Connection, body: bytes, topic: str | None, http: PartnerHttp
    ) -> list[ChannelOrder]:
        """The message is one order document as getOrders gave it: nothing to fetch."""
        mapping = mapping_named(parse_settings(connection.settings).mapping)
        return _to_orders(mapping, docs.orders([body], mapping.name), connection.code)

    async def poll_orders(
        self, connection: Connection, cursor: str | None, http: PartnerHttp, *, until: str
    ) -> PollResult:
        """One getOrders page of the window; ``more`` while the window has pages left."""
        settings = parse_settings(connection.settings)
        window = cursors.window(cursor, start=settings.start, until=until)
        if window.empty:
            return PollResult(messages=[], cursor=window.since)  # nothing new can be asked yet
        page = await get_orders(http, connection, window, limit=settings.limit)
        messages = [
            PolledMessage(
                dedupe_key=docs.dedupe_key(order),
                topic=order.get("orderFulfillmentStatus"),
                body=msgspec.json.encode(order),
            )
            for order in page.orders
            if docs.is_order(order)
        ]
        following = cursors.following(
            window, returned=len(page.orders), total=page.total, has_next=bool(page.next)
        )
        if following is not None:
            return PollResult(messages=messages, cursor=cursors.encode(following), more=True)
        return PollResult(messages=messages, cursor=window.until)

    def reports_returns(self, topic: str | None) -> bool:
        return topic == returns.TOPIC

    async def returns_from_message(
        self, connection: Connection, body: bytes, topic: str | None, http: PartnerHttp
    ) -> list[ChannelReturn | ReportedRefund]:
        """The message is one return summary as the search gave it: nothing to fetch."""
        return [returns.to_channel_return(body)]

    async def poll_returns(
        self, connection: Connection, cursor: str | None, http: PartnerHttp, *, until: str
    ) -> PollResult:
        """One page of ``GET /post-order/v2/return/search`` (see ``returns.py``)."""
        settings = parse_settings(connection.settings)
        return await returns.poll(
            connection, cursor, http, until=until, start=settings.start,
            limit=settings.returns_limit, lookback_days=settings.returns_lookback_days,
        )  # fmt: skip
