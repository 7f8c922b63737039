"""Stock out to a channel: the figures the hub pushes, and reading them back for drift checks.

The hub decides *what* each channel should show (its available to sell); a connector only
says *how* that channel's API takes it. The hub hands a connector at most
``stock_batch_size`` figures per call, already coalesced (one figure per SKU, the newest),
and has already waited for the connection's token bucket. A connector makes as few calls
as its API allows (Shopify ``inventorySetQuantities``, WooCommerce ``products/batch``,
eBay ``bulkUpdatePriceQuantity`` ...), passes ``idempotency_key`` on where the API takes
one, and raises ``RetriableError`` (429, 5xx: the whole batch is tried again later) or
``FatalError`` (credentials refused: every figure of the batch is marked failed). A figure
the partner refuses on its own (unknown listing) goes in ``StockPushResult.rejected``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable

import msgspec

from hub.sdk.connector import Connection
from hub.sdk.http import PartnerHttp


class StockFigure(msgspec.Struct, frozen=True):
    """One SKU's figure for one channel.

    ``listing_id`` is the SKU's identifier on this connection from the catalog (Shopify
    inventory item id, WooCommerce product id or ``parent:variation``, Amazon seller SKU,
    eBay offer id, Square catalog object id), or None when the catalog has none: a
    connector whose API is keyed by SKU (Amazon, eBay's inventory items) uses ``sku``.
    """

    sku: str
    listing_id: str | None
    quantity: int
    #: when the hub's figure last changed: the same on every retry of a batch, for APIs
    #: that date a count (Square's ``occurred_at``) under an idempotency key
    as_of: datetime | None = None


class StockPushResult(msgspec.Struct, frozen=True):
    """What the partner refused, SKU -> reason (no body, no secrets). Empty: all taken."""

    rejected: dict[str, str] = {}


@runtime_checkable
class PushesStock(Protocol):
    #: the most figures one call of this connector may carry (the API's own limit); a
    #: connection's ``stock_batch_size`` setting may lower it, never raise it
    stock_batch_size: int
    #: the calls a second the hub allows itself by default (the API's rate limit); a
    #: connection's ``stock_calls_per_second`` setting overrides it
    stock_calls_per_second: float

    async def push_stock(
        self,
        connection: Connection,
        figures: list[StockFigure],
        http: PartnerHttp,
        *,
        idempotency_key: str,
    ) -> StockPushResult:
        """Set each figure as the channel's available quantity, in as few calls as possible.

        ``idempotency_key`` is stable across retries of the same batch.
        """
        ...


@runtime_checkable
class ReadsStock(Protocol):
    async def read_stock(
        self, connection: Connection, figures: list[StockFigure], http: PartnerHttp
    ) -> dict[str, int]:
        """The quantity the channel shows now for each figure's SKU (``quantity`` is the
        hub's figure, for reference only). A SKU the channel does not know is left out."""
        ...
