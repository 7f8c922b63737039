"""Shopify's return webhooks to ``hub.sdk.ChannelReturn``.

Topics and the state each reports (the hub opens the return on the first it hears of, and
moves it forward after that):

======================  =============  ==========================================
topic                   hub state      Shopify's Return.status
======================  =============  ==========================================
``returns/request``     requested      REQUESTED (the buyer asked)
``returns/approve``     authorised     OPEN (the merchant approved it)
``returns/decline``     rejected       DECLINED (with ``decline.reason``/``note``)
``returns/cancel``      cancelled      CANCELED
``returns/close``       closed         CLOSED
======================  =============  ==========================================

A line is the order's line item (``return_line_items[].fulfillment_line_item.line_item.id``,
the hub line's ``line_id``). Shopify's return reasons map to the hub's codes
(``REASONS``); the reason's name and the buyer's notes are kept as the channel's text.
"""

from __future__ import annotations

import msgspec

from hub.sdk import ChannelReturn, ChannelReturnLine, MappingError, ReturnState

WHAT = "shopify return"
TOPICS: dict[str, ReturnState] = {
    "returns/request": "requested",
    "returns/approve": "authorised",
    "returns/decline": "rejected",
    "returns/cancel": "cancelled",
    "returns/close": "closed",
}
#: Shopify's ReturnReason (lower case in webhooks) -> the hub's reason code
REASONS = {
    "defective": "defective",
    "not_as_described": "not_as_described",
    "wrong_item": "wrong_item",
    "size_too_small": "size_or_fit",
    "size_too_large": "size_or_fit",
    "unwanted": "no_longer_needed",
    "style": "no_longer_needed",
    "color": "no_longer_needed",
    "unknown": "other",
    "other": "other",
}

Id = int | str


class _Ref(msgspec.Struct, frozen=True):
    id: Id | None = None
    admin_graphql_api_id: str | None = None

    def key(self) -> str | None:
        if self.id is not None:
            return str(self.id)
        if self.admin_graphql_api_id:
            return self.admin_graphql_api_id.rsplit("/", 1)[-1]
        return None


class _FulfillmentLine(msgspec.Struct, frozen=True):
    id: Id | None = None
    line_item: _Ref | None = None


class _Line(msgspec.Struct, frozen=True):
    quantity: int
    id: Id | None = None
    fulfillment_line_item: _FulfillmentLine | None = None
    return_reason: str | None = None
    return_reason_note: str | None = None
    customer_note: str | None = None


class _Decline(msgspec.Struct, frozen=True):
    reason: str | None = None
    note: str | None = None


class _Return(msgspec.Struct, frozen=True):
    id: Id | None = None
    admin_graphql_api_id: str | None = None
    status: str | None = None
    name: str | None = None
    order: _Ref | None = None
    order_id: Id | None = None
    return_line_items: list[_Line] = []
    decline: _Decline | None = None


def _line(line: _Line, i: int) -> ChannelReturnLine:
    item = line.fulfillment_line_item.line_item if line.fulfillment_line_item else None
    line_id = item.key() if item is not None else None
    if line_id is None:
        raise MappingError(WHAT, f"return_line_items[{i}]", "no fulfillment_line_item.line_item")
    if line.quantity < 1:
        raise MappingError(WHAT, f"return_line_items[{i}].quantity", f"{line.quantity} < 1")
    raw = (line.return_reason or "unknown").lower()
    words = [raw] + [w for w in (line.return_reason_note, line.customer_note) if w]
    return ChannelReturnLine(
        line_id=line_id, quantity=line.quantity, reason=REASONS.get(raw, "other"),  # type: ignore[arg-type]
        reason_text=" / ".join(words),
    )  # fmt: skip


def to_channel_return(body: bytes, topic: str | None) -> ChannelReturn:
    """One ``returns/*`` webhook body; ``MappingError`` when it cannot be read."""
    if topic not in TOPICS:
        raise MappingError(WHAT, "topic", f"{topic!r} is not a return topic")
    try:
        ret = msgspec.json.decode(body, type=_Return)
    except msgspec.MsgspecError as exc:
        raise MappingError(WHAT, "body", str(exc)) from None
    return_id = _Ref(ret.id, ret.admin_graphql_api_id).key()
    if return_id is None:
        raise MappingError(WHAT, "id", "missing")
    order_id = ret.order.key() if ret.order is not None else None
    if order_id is None and ret.order_id is not None:
        order_id = str(ret.order_id)
    reason = None
    if ret.decline is not None:
        reason = " / ".join(w for w in (ret.decline.reason, ret.decline.note) if w) or None
    return ChannelReturn(
        return_id=return_id, order_id=order_id, state=TOPICS[topic],
        channel_state=f"{topic} ({ret.status})" if ret.status else topic,
        lines=[_line(ln, i) for i, ln in enumerate(ret.return_line_items)],
        note=f"Shopify return {ret.name}" if ret.name else None, reason_text=reason,
    )  # fmt: skip
