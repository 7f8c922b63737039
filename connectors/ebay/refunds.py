"""Refunds on eBay: Sell Fulfillment API ``issueRefund`` for a return the hub received.

eBay takes no idempotency key and keeps no free text of a refund where getOrder shows it,
so the order is read first (``GET /sell/fulfillment/v1/order/{orderId}``): a refund of
the same amount in the order's ``paymentSummary.refunds`` or its lines' ``refunds`` that
did not fail is the one an earlier attempt made, and nothing is sent again. (An earlier
refund of exactly that amount made by hand on eBay reads the same: the hub then records it
as this return's instead of refunding twice.)

Otherwise ``POST .../order/{orderId}/issue_refund`` with ``reasonForRefund: BUYER_RETURN``,
the hub's return in ``comment``, and the amount: on the returned lines (``refundItems``,
by ``lineItemId``, the amount split by what the lines cost) when every line is known to
the order, else as ``orderLevelRefundAmount``. eBay answers the ``refundId`` (refunds are
processed asynchronously: ``PENDING``); that id is the reference the hub records, the one
a later poll's ``paymentSummary.refunds[].refundId`` shows.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import msgspec

from connectors.ebay.inventory import headers
from connectors.ebay.settings import base_url
from hub.sdk import (
    ChannelRefund,
    Connection,
    FatalError,
    MoneyError,
    PartnerHttp,
    RefundSent,
    RetriableError,
    to_minor,
)
from hub.sdk import to_decimal_string as decimal

ORDER_PATH = "/sell/fulfillment/v1/order/{order_id}"
REASON = "BUYER_RETURN"
COMMENT_LIMIT = 100
FAILED = "FAILED"


def _minor(money: Any, currency: str) -> int | None:
    """A ``{value, currency}`` amount in minor units, when it is in ``currency``."""
    if not isinstance(money, dict) or money.get("currency") != currency:
        return None
    try:
        return to_minor(str(money.get("value")), currency)
    except MoneyError:
        return None


def made_before(order: dict[str, Any], refund: ChannelRefund) -> str | None:
    """The id of a refund of ``refund.amount`` on the order that did not fail, if any."""
    made = list((order.get("paymentSummary") or {}).get("refunds") or [])
    for item in order.get("lineItems") or []:
        made.extend((item or {}).get("refunds") or [])
    for found in made:
        if not isinstance(found, dict) or found.get("refundStatus") == FAILED:
            continue
        if _minor(found.get("amount"), refund.currency) == refund.amount and found.get("refundId"):
            return str(found["refundId"])
    return None


def _split(amount: int, weights: list[int]) -> list[int]:
    """``amount`` split by ``weights`` (largest remainders get the odd units)."""
    total = sum(weights)
    shares = [amount * w // total for w in weights]
    order = sorted(range(len(weights)), key=lambda i: -(amount * weights[i] % total))
    for i in order[: amount - sum(shares)]:
        shares[i] += 1
    return shares


def refund_items(order: dict[str, Any], refund: ChannelRefund) -> list[dict[str, Any]] | None:
    """Per-line amounts by what each returned unit cost; None when a line is not known."""
    items = {i.get("lineItemId"): i for i in order.get("lineItems") or [] if isinstance(i, dict)}
    if not refund.lines or refund.amount <= 0:
        return None
    weights = []
    for line in refund.lines:
        item = items.get(line.line_id)
        cost = _minor((item or {}).get("lineItemCost"), refund.currency)
        quantity = (item or {}).get("quantity")
        if not cost or not isinstance(quantity, int) or quantity <= 0:
            return None
        weights.append(cost * line.quantity // quantity or 1)
    return [
        {"lineItemId": line.line_id,
         "refundAmount": {"value": decimal(share, refund.currency), "currency": refund.currency}}
        for line, share in zip(refund.lines, _split(refund.amount, weights), strict=True)
    ]  # fmt: skip


def refund_body(order: dict[str, Any], refund: ChannelRefund) -> dict[str, Any]:
    """The issueRefund request for ``refund`` on ``order`` (as getOrder gave it)."""
    body: dict[str, Any] = {
        "reasonForRefund": REASON,
        "comment": (refund.note or f"hub return {refund.refund_id}")[:COMMENT_LIMIT],
    }
    items = refund_items(order, refund)
    if items is not None and len(order.get("lineItems") or []) > 1:
        body["refundItems"] = items
    else:
        amount = {"value": decimal(refund.amount, refund.currency), "currency": refund.currency}
        body["orderLevelRefundAmount"] = amount
    return body


def _decode(content: bytes, what: str) -> dict[str, Any]:
    try:
        value = msgspec.json.decode(content)
    except msgspec.DecodeError:
        value = None
    if not isinstance(value, dict):
        raise RetriableError(f"{what}: the answer is not a JSON object")
    return value


async def refund_order(
    connection: Connection, refund: ChannelRefund, http: PartnerHttp
) -> RefundSent:
    url = base_url(connection) + ORDER_PATH.format(order_id=quote(refund.external_id, safe=""))
    response = await http.get(url, headers=headers(connection))
    order = _decode(response.content, "GET order")
    if order.get("orderId") != refund.external_id:
        raise RetriableError("GET order: the answer is not the order")
    found = made_before(order, refund)
    if found is not None:
        return RefundSent(reference=found, already=True)
    if refund.amount <= 0:
        raise FatalError(f"ebay refund {refund.refund_id}: nothing to refund")
    response = await http.post(
        url + "/issue_refund", json=refund_body(order, refund), headers=headers(connection)
    )
    answer = _decode(response.content, "POST issue_refund")
    if answer.get("refundStatus") == FAILED:
        raise FatalError(f"ebay issueRefund for order {refund.external_id} FAILED")
    if not answer.get("refundId"):
        raise FatalError("ebay issueRefund answered no refundId")
    return RefundSent(reference=str(answer["refundId"]))
