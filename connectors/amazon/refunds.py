"""Amazon's refunds, polled: Amazon pays the buyer back on its own side; the hub records
what it reports. ``GET /finances/v0/financialEvents?PostedAfter&PostedBefore&
MaxResultsPerPage&NextToken`` (listFinancialEvents) answers ``{payload: {NextToken,
FinancialEvents: {RefundEventList: [ShipmentEvent], ...}}}``.

Each ``RefundEventList`` entry is one refund of one order (``AmazonOrderId``, ``PostedDate``)
with its items (``ShipmentItemAdjustmentList``: ``SellerSKU``, ``OrderItemId``,
``OrderAdjustmentItemId``, ``QuantityShipped``, ``ItemChargeAdjustmentList`` and
``PromotionAdjustmentList`` of ``{ChargeType|PromotionType, ChargeAmount|PromotionAmount:
{CurrencyCode, CurrencyAmount}}``). It becomes one message (topic ``amazon:refund``) and one
``hub.sdk.ReportedRefund``:

- ``refund_id``: the items' ``OrderAdjustmentItemId`` joined (sorted, ``+``): the key the hub
  records it once by;
- ``amount``: what the buyer got back, the charges and promotions adjusted, negated (the
  seller's fees are Amazon's business with the seller, not the buyer's refund), in minor
  units, exactly (amounts are decoded as decimals, never floats);
- ``lines``: the SKUs and units.

The window is on ``PostedDate`` (``hub.sdk.WindowCursor``, as for orders); Amazon wants
``PostedBefore`` two minutes in the past at least, which the hub's look-back gives.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from connectors.amazon.cursor import Window
from hub.sdk import (
    MappingError,
    MoneyError,
    PolledMessage,
    PollResult,
    RefundLine,
    ReportedRefund,
    WindowCursor,
    to_minor,
)

PATH = "/finances/v0/financialEvents"
OPERATION = "listFinancialEvents"
TOPIC = "amazon:refund"
WHAT = "amazon refund"
CURSOR = WindowCursor(
    "amazon refunds", Window, opens=lambda after, before: Window(after=after, before=before)
)


class _Money(msgspec.Struct, frozen=True):
    CurrencyCode: str
    CurrencyAmount: Decimal


class _Charge(msgspec.Struct, frozen=True):
    ChargeType: str | None = None
    ChargeAmount: _Money | None = None


class _Promotion(msgspec.Struct, frozen=True):
    PromotionType: str | None = None
    PromotionAmount: _Money | None = None


class _Item(msgspec.Struct, frozen=True):
    SellerSKU: str
    OrderAdjustmentItemId: str
    QuantityShipped: int = 0
    OrderItemId: str | None = None
    ItemChargeAdjustmentList: list[_Charge] = []
    PromotionAdjustmentList: list[_Promotion] = []


class _Event(msgspec.Struct, frozen=True):
    AmazonOrderId: str
    PostedDate: str | None = None
    ShipmentItemAdjustmentList: list[_Item] = []


class FinancialEvents(msgspec.Struct, frozen=True):
    RefundEventList: list[dict[str, Any]] = []


class EventsPage(msgspec.Struct, frozen=True):
    FinancialEvents: FinancialEvents = FinancialEvents()
    NextToken: str | None = None


def refund_id(event: dict[str, Any]) -> str:
    items = event.get("ShipmentItemAdjustmentList") or []
    ids = sorted(str(i.get("OrderAdjustmentItemId")) for i in items)
    return "+".join(ids) or f"{event.get('AmazonOrderId')}@{event.get('PostedDate')}"


def messages_of(page: EventsPage) -> list[PolledMessage]:
    return [
        PolledMessage(
            dedupe_key=f"refund:{refund_id(event)}", body=msgspec.json.encode(event), topic=TOPIC
        )
        for event in page.FinancialEvents.RefundEventList
    ]


def _amounts(item: _Item) -> list[_Money]:
    found = [c.ChargeAmount for c in item.ItemChargeAdjustmentList if c.ChargeAmount]
    return found + [p.PromotionAmount for p in item.PromotionAdjustmentList if p.PromotionAmount]


def to_reported_refund(body: bytes) -> ReportedRefund:
    """One RefundEventList entry; ``MappingError`` when it cannot be read."""
    try:
        event = msgspec.json.decode(body, type=_Event)
    except msgspec.MsgspecError as exc:
        raise MappingError(WHAT, "body", str(exc)) from None
    if not event.ShipmentItemAdjustmentList:
        raise MappingError(WHAT, "ShipmentItemAdjustmentList", "no items")
    amounts = [m for item in event.ShipmentItemAdjustmentList for m in _amounts(item)]
    currencies = {m.CurrencyCode for m in amounts}
    if len(currencies) != 1:
        raise MappingError(WHAT, "CurrencyCode", f"expected one currency, got {sorted(currencies)}")
    (currency,) = currencies
    try:
        total = -sum(to_minor(m.CurrencyAmount, currency) for m in amounts)
    except MoneyError as exc:
        raise MappingError(WHAT, "CurrencyAmount", str(exc)) from None
    items = event.ShipmentItemAdjustmentList
    return ReportedRefund(
        refund_id="+".join(sorted(i.OrderAdjustmentItemId for i in items)),
        order_id=event.AmazonOrderId, currency=currency, amount=total, at=event.PostedDate,
        lines=[RefundLine(sku=i.SellerSKU, quantity=i.QuantityShipped, line_id=i.OrderItemId)
               for i in items],
    )  # fmt: skip


def window(cursor: str | None, *, start: str | None, until: str) -> Window:
    return CURSOR.window(cursor, start=start, until=until)


def following(current: Window, page: EventsPage) -> PollResult:
    """The result of a page: its messages, and the next page's cursor or the window's end."""
    if page.NextToken:
        nxt = msgspec.structs.replace(current, next_token=page.NextToken)
        return PollResult(messages=messages_of(page), cursor=CURSOR.encode(nxt), more=True)
    return PollResult(messages=messages_of(page), cursor=current.before)
