"""Refunds sent to a channel: what the hub asks a channel connector to refund (a return's
received lines and the amount the hub computed), and the protocol a connector implements
to do it (``RefundsOrders``, capability ``refund``)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import msgspec

from hub.sdk.connector import Connection
from hub.sdk.http import PartnerHttp


class RefundLine(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    quantity: int
    line_id: str | None = None  # the channel's own line id


class ChannelRefund(msgspec.Struct, frozen=True, kw_only=True):
    """One refund of an order on its channel. ``refund_id`` is the hub's (the return's id):
    the connector puts it where the channel keeps it (a note, a reason, an idempotency key)
    so that asking again for the same refund finds the first and sends nothing."""

    refund_id: str
    external_id: str  # the channel's order id
    external_number: str | None = None
    currency: str
    amount: int  # minor units: the whole refund, lines, tax and shipping less fees
    shipping: int = 0  # the part of ``amount`` that is shipping
    lines: list[RefundLine] = []
    note: str | None = None


class RefundSent(msgspec.Struct, frozen=True, kw_only=True):
    """The channel's reference of the refund (its refund's or transaction's id), and whether
    it was found already made (nothing was sent this time)."""

    reference: str
    already: bool = False


@runtime_checkable
class RefundsOrders(Protocol):
    async def refund_order(
        self, connection: Connection, refund: ChannelRefund, http: PartnerHttp
    ) -> RefundSent:
        """Refund ``refund`` on the channel; safe to call twice for the same ``refund_id``."""
        ...
