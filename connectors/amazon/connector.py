"""Amazon SP-API: orders polled with getOrders + getOrderItems, mapped by ``amazon_order.yaml``;
stock pushed and read through listings (``listings.py``); parcels confirmed (``shipments.py``);
the refunds Amazon made itself polled from the Finances API (``refunds.py``).

A poll asks for orders updated in one window (LastUpdatedAfter = the cursor, LastUpdatedBefore
= the run's ``until``), one getOrders page per call, and fetches each order's items, both
with a Restricted Data Token so that the buyer's name and address come too (``rdt.py``).
Each order becomes one message: the combined root ``{"order", "items"}``, keyed by its id and
LastUpdateDate so that a new version of an order comes in as an update.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

import msgspec

from connectors.amazon import cursor as cursors
from connectors.amazon import documents as docs
from connectors.amazon import listings, rdt, refunds, shipments
from connectors.amazon.api import OrdersPage, SpApi, status_of
from connectors.amazon.auth import LwaTokens
from connectors.amazon.ratelimit import Clock, RateLimiter, Sleep
from connectors.amazon.settings import AmazonSettings, parse_settings
from hub.sdk import (
    Capability,
    ChannelOrder,
    ChannelReturn,
    ChannelShipment,
    Connection,
    FatalError,
    MappingError,
    OrderMapping,
    PartnerHttp,
    PolledMessage,
    PollResult,
    ReportedRefund,
    StockFigure,
    StockPushResult,
    mapping_named,
)


def _to_orders(
    mapping: OrderMapping, roots: list[dict[str, Any]], channel: str
) -> list[ChannelOrder]:
    out = []
    for root in roots:
        try:
            reported = mapping.to_order(root, channel=channel)
        except MappingError as exc:
            raise docs.explain(exc, root) from None
        updated = root["order"].get("LastUpdateDate")
        out.append(msgspec.structs.replace(reported, updated_at=updated))
    return out


class AmazonConnector:
    """The Amazon channel: LWA auth, rate-limited polling, and order mapping.

    The LWA token cache, the Restricted Data Token cache and the rate-limit buckets live
    here, per connection code, for the life of the process. ``clock`` and ``sleep`` are
    injectable for tests.
    """

    name = "amazon"
    settings_type = AmazonSettings
    #: the marketplace collects the money: an order may go to fulfilment as it comes
    default_release_when = "always"
    capabilities = frozenset(
        {
            Capability.POLL_ORDERS,
            Capability.PUSH_STOCK,
            Capability.READ_STOCK,
            Capability.PUSH_SHIPMENT,
            Capability.REPORT_RETURNS,
            Capability.POLL_RETURNS,
        }
    )
    #: figures per push: one JSON_LISTINGS_FEED document's messages
    stock_batch_size = listings.FEED_MAX_MESSAGES
    #: patchListingsItem's default rate (a push of several figures is one feed)
    stock_calls_per_second = 5.0

    def __init__(self, *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self.tokens = LwaTokens(clock)
        self.rdts = rdt.RdtCache(clock)
        self.limiter = RateLimiter(clock, sleep)

    def normalize(
        self, documents: list[bytes], *, channel: str, settings: Mapping[str, Any] | None = None
    ) -> list[ChannelOrder]:
        """getOrders and getOrderItems responses (or combined roots) to canonical orders.

        Items are matched to orders by AmazonOrderId; orders without prices yet (Pending)
        are left out. ``settings["mapping"]`` may name another mapping.
        """
        mapping = mapping_named(parse_settings(settings).mapping)
        return _to_orders(mapping, docs.roots(documents, mapping.name), channel)

    async def orders_from_message(
        self, connection: Connection, body: bytes, topic: str | None, http: PartnerHttp
    ) -> list[ChannelOrder]:
        """The message is the combined root a poll built: nothing to fetch."""
        mapping = mapping_named(parse_settings(connection.settings).mapping)
        return _to_orders(mapping, docs.roots([body], mapping.name), connection.code)

    def _api(self, connection: Connection, http: PartnerHttp) -> SpApi:
        settings = parse_settings(connection.settings)
        return SpApi(connection, settings, http, self.tokens, self.limiter, self.rdts)

    async def push_stock(
        self,
        connection: Connection,
        figures: list[StockFigure],
        http: PartnerHttp,
        *,
        idempotency_key: str,
    ) -> StockPushResult:
        """One figure by patchListingsItem, several as one JSON_LISTINGS_FEED (Amazon takes
        no idempotency key; setting a quantity twice is harmless)."""
        return await listings.push(self._api(connection, http), figures)

    async def read_stock(
        self, connection: Connection, figures: list[StockFigure], http: PartnerHttp
    ) -> dict[str, int]:
        """getListingsItem per SKU: the seller-fulfilled (DEFAULT) quantity."""
        return await listings.read(self._api(connection, http), figures)

    async def push_shipment(
        self, connection: Connection, shipment: ChannelShipment, http: PartnerHttp
    ) -> None:
        """confirmShipment for the parcel; a retry of a taken confirmation succeeds."""
        await shipments.confirm(self._api(connection, http), shipment)

    async def poll_orders(
        self, connection: Connection, cursor: str | None, http: PartnerHttp, *, until: str
    ) -> PollResult:
        """One getOrders page of the window, with every order's items."""
        settings = parse_settings(connection.settings)
        if not settings.marketplace_ids:
            raise FatalError("amazon: settings.marketplace_ids is needed to poll")
        window = cursors.window(cursor, start=settings.start, until=until)
        if window.next_token is None and window.after >= window.before:
            return PollResult(messages=[], cursor=window.after)  # nothing new can be asked yet
        api = SpApi(connection, settings, http, self.tokens, self.limiter, self.rdts)
        page = await self._page(api, settings, window)
        withheld = api.withheld  # why this page came without PII (None: it came with it)
        messages = []
        for order in page.Orders:
            if docs.skip(order):
                continue
            items = await api.get_order_items(str(order["AmazonOrderId"]), pii=True)
            messages.append(
                PolledMessage(
                    dedupe_key=docs.dedupe_key(order, withheld),
                    topic=order.get("OrderStatus"),
                    body=msgspec.json.encode(docs.root(order, items, withheld)),
                )
            )
        if page.NextToken:
            following = msgspec.structs.replace(window, next_token=page.NextToken)
            return PollResult(messages=messages, cursor=cursors.encode(following), more=True)
        return PollResult(messages=messages, cursor=window.before)

    async def _page(
        self, api: SpApi, settings: AmazonSettings, window: cursors.Window
    ) -> OrdersPage:
        """The window's next page. With a NextToken the API takes only it (and the
        marketplaces); a token it no longer accepts restarts the window from its start,
        and dedupe drops the orders seen twice."""
        marketplaces = ",".join(settings.marketplace_ids)
        if window.next_token:
            try:
                return await api.get_orders(
                    {"MarketplaceIds": marketplaces, "NextToken": window.next_token}
                )
            except FatalError as exc:
                if status_of(exc) != 400:
                    raise
        return await api.get_orders(
            {
                "MarketplaceIds": marketplaces,
                "LastUpdatedAfter": window.after,
                "LastUpdatedBefore": window.before,
                "MaxResultsPerPage": str(settings.max_results_per_page),
            }
        )

    def reports_returns(self, topic: str | None) -> bool:
        return topic == refunds.TOPIC

    async def returns_from_message(
        self, connection: Connection, body: bytes, topic: str | None, http: PartnerHttp
    ) -> list[ChannelReturn | ReportedRefund]:
        """The message is one RefundEventList entry: one refund Amazon made."""
        return [refunds.to_reported_refund(body)]

    async def poll_returns(
        self, connection: Connection, cursor: str | None, http: PartnerHttp, *, until: str
    ) -> PollResult:
        """One listFinancialEvents page of the PostedDate window: its refund events."""
        settings = parse_settings(connection.settings)
        window = refunds.window(cursor, start=settings.start, until=until)
        if window.next_token is None and window.after >= window.before:
            return PollResult(messages=[], cursor=window.after)  # nothing new can be asked yet
        if window.next_token:
            params = {"NextToken": window.next_token}
        else:
            params = {"PostedAfter": window.after, "PostedBefore": window.before,
                      "MaxResultsPerPage": "100"}  # fmt: skip
        page = await self._api(connection, http).get_payload(
            refunds.OPERATION, refunds.PATH, params, refunds.EventsPage
        )
        return refunds.following(window, page)
