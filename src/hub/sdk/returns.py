"""Returns and refunds a channel reports: what a connector turns a channel's return webhook,
its polled return records or its own refunds into, and the protocols it implements to do it.

- ``ChannelReturn``: one return as the channel sees it now (Shopify ``returns/*`` webhooks,
  eBay post-order returns): the channel's return id, its order id, the state it is in (one
  of ``RETURN_STATES``, mapped by the connector from the channel's own), the lines with
  their reasons (mapped to the hub's fixed reason codes; the channel's text kept). The hub
  opens a return the first time it hears of one and moves it after that; the same report
  twice changes nothing.
- ``ReportedRefund``: money the channel paid back on its own side (Amazon refunds itself):
  the hub records it once, by ``refund_id``.

A connector that reports either declares ``report_returns`` and implements
``ReportsReturns``: ``reports_returns(topic)`` says which kept messages are after-sales
reports (a webhook's topic, or the topic the connector gave its polled messages), and
``returns_from_message`` maps one. A connector that is polled for them also declares
``poll_returns`` (``PollsReturns``): pages of messages with a cursor, like ``poll_orders``.
A report that names an order or a line the hub does not know is quarantined with the
reason, never dropped.
"""

from __future__ import annotations

from typing import Literal, Protocol, runtime_checkable

import msgspec

from hub.domain.returns import REASONS, ReasonCode
from hub.sdk.connector import Connection, PollResult
from hub.sdk.http import PartnerHttp
from hub.sdk.refunds import RefundLine

#: the states a channel's return is mapped to (the hub's return states a channel can drive;
#: units received and graded are the hub's own business, at a location)
ReturnState = Literal["requested", "authorised", "in_transit", "closed", "rejected", "cancelled"]
RETURN_STATES: tuple[str, ...] = (
    "requested",
    "authorised",
    "in_transit",
    "closed",
    "rejected",
    "cancelled",
)
#: the hub's reason codes a channel's reasons are mapped to
RETURN_REASONS: tuple[str, ...] = REASONS


class ChannelReturnLine(msgspec.Struct, frozen=True, kw_only=True):
    """One line of a channel's return: the order line by the channel's line id (else by
    SKU), the units, and why (a hub reason code, with the channel's words)."""

    line_id: str | None = None
    sku: str | None = None
    quantity: int
    reason: ReasonCode = "other"
    reason_text: str | None = None  # the channel's own reason and note, as it gave them


class ChannelReturn(msgspec.Struct, frozen=True, kw_only=True):
    """A return as the channel reports it now.

    ``lines`` may be empty when the report only moves a return the hub already knows
    (Shopify's ``returns/close`` and ``returns/decline`` carry no lines); a return the hub
    has not seen yet needs its lines to be opened.
    """

    return_id: str  # the channel's own return id (kept as the hub return's external_id)
    order_id: str | None  # the channel's order id (the hub order's external_id); None: the
    #   report names only the return (Shopify's returns/decline), which the hub must know
    state: ReturnState
    channel_state: str  # the channel's own state or topic, kept on the timeline
    lines: list[ChannelReturnLine] = []
    note: str | None = None  # the buyer's or the channel's words for the whole return
    reason_text: str | None = None  # why it was declined or cancelled, if the channel says


class ReportedRefund(msgspec.Struct, frozen=True, kw_only=True):
    """A refund the channel made on its own side, to be recorded (never sent) by the hub.

    ``amount`` is positive, in minor units of ``currency``; ``refund_id`` is the channel's
    own id of it (Amazon: the adjustment id), the key that records it once."""

    refund_id: str
    order_id: str  # the channel's order id
    currency: str
    amount: int
    at: str | None = None  # ISO 8601, when the channel posted it
    lines: list[RefundLine] = []
    channel_state: str = "refunded"


ChannelReport = ChannelReturn | ReportedRefund


@runtime_checkable
class ReportsReturns(Protocol):
    def reports_returns(self, topic: str | None) -> bool:
        """Whether a kept message of ``topic`` is a return or refund report."""
        ...

    async def returns_from_message(
        self, connection: Connection, body: bytes, topic: str | None, http: PartnerHttp
    ) -> list[ChannelReturn | ReportedRefund]:
        """The returns and refunds one kept message reports. Raises ``MappingError`` (or
        another ``ValueError``) for a payload that cannot be read: it is quarantined."""
        ...


@runtime_checkable
class PollsReturns(ReportsReturns, Protocol):
    async def poll_returns(
        self, connection: Connection, cursor: str | None, http: PartnerHttp, *, until: str
    ) -> PollResult:
        """One page of return or refund reports changed since ``cursor`` (as ``poll_orders``);
        each message's topic is one ``reports_returns`` accepts."""
        ...
