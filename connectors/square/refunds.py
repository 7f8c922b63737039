"""Refunds on Square: ``RefundPayment`` (``POST /v2/refunds``) for a return the hub received.

The order is read first (RetrieveOrder). Its ``refunds`` show a refund made before for the
same return by its reason (``hub return <id>``): nothing is sent again. Otherwise the money
goes back on one tender of the order that still holds enough (a captured card, or a cash or
other tender; a card's tender id is its payment id) with an idempotency key derived from
the hub's refund id, so that a request Square took but whose answer was lost is not made
twice either: Square answers the first refund again.

The reference the hub records is Square's refund id, the ``id`` a later ``order.updated``
shows in the order's ``refunds`` (the mapping's refund transactions), so the two meet.
"""

from __future__ import annotations

import hashlib
from typing import Any

from connectors.square.api import decode, headers, retrieve_order
from connectors.square.settings import base_url, parse_settings
from hub.sdk import ChannelRefund, Connection, FatalError, PartnerHttp, RefundSent, RetriableError

REFUNDS_PATH = "/v2/refunds"
#: Square's documented maximum length of an idempotency key
KEY_LIMIT = 45
#: a refund in these states gave nothing back: it does not count against its tender
FAILED = frozenset({"FAILED", "REJECTED"})
#: a card tender in another state holds no money to refund (authorised, voided, failed)
CARD_PAID = "CAPTURED"


def idempotency_key(refund_id: str) -> str:
    """``hub-<refund id>``, or a digest of it when that would pass Square's 45 characters."""
    key = f"hub-{refund_id}"
    if len(key) <= KEY_LIMIT:
        return key
    return "hub-" + hashlib.sha256(refund_id.encode()).hexdigest()[: KEY_LIMIT - 4]


def _mark(refund: ChannelRefund) -> str:
    return f"hub return {refund.refund_id}"


def _amount(money: Any) -> int:
    value = money.get("amount") if isinstance(money, dict) else None
    return value if isinstance(value, int) else 0


def _live_refunds(order: dict[str, Any]) -> list[dict[str, Any]]:
    found = order.get("refunds") or []
    return [r for r in found if isinstance(r, dict) and r.get("status") not in FAILED]


def _refundable(tender: dict[str, Any], refunds: list[dict[str, Any]]) -> int:
    if (
        tender.get("type") == "CARD"
        and (tender.get("card_details") or {}).get("status") != CARD_PAID
    ):
        return 0
    given = sum(
        _amount(r.get("amount_money")) for r in refunds if r.get("tender_id") == tender.get("id")
    )
    return _amount(tender.get("amount_money")) - given


def payment_id(order: dict[str, Any], refund: ChannelRefund) -> str:
    """The payment of the first tender that can give ``refund.amount`` back."""
    refunds = _live_refunds(order)
    for tender in order.get("tenders") or []:
        if not isinstance(tender, dict):
            continue
        currency = (tender.get("amount_money") or {}).get("currency")
        if currency == refund.currency and _refundable(tender, refunds) >= refund.amount:
            found = tender.get("payment_id") or tender.get("id")
            if isinstance(found, str) and found:
                return found
    raise FatalError(
        f"square order {refund.external_id}: no tender holds {refund.amount} {refund.currency} "
        "to refund (refund it in Square, then record it)"
    )


def refund_body(order: dict[str, Any], refund: ChannelRefund) -> dict[str, Any]:
    """The RefundPayment request for ``refund`` on ``order`` (as RetrieveOrder gave it)."""
    return {
        "idempotency_key": idempotency_key(refund.refund_id),
        "amount_money": {"amount": refund.amount, "currency": refund.currency},
        "payment_id": payment_id(order, refund),
        "reason": (refund.note or _mark(refund))[:192],
    }


async def refund_order(
    connection: Connection, refund: ChannelRefund, http: PartnerHttp
) -> RefundSent:
    settings = parse_settings(connection.settings)
    order = await retrieve_order(http, connection, settings, refund.external_id)
    mark = _mark(refund)
    for made in _live_refunds(order):
        if mark in str(made.get("reason") or "") and made.get("id"):
            return RefundSent(reference=str(made["id"]), already=True)
    if refund.amount <= 0:
        raise FatalError(f"square refund {refund.refund_id}: nothing to refund")
    response = await http.post(
        base_url(connection) + REFUNDS_PATH,
        headers=headers(connection, settings),
        json=refund_body(order, refund),
    )
    made = decode(response.content, f"POST {REFUNDS_PATH}").get("refund")
    if not isinstance(made, dict) or not made.get("id"):
        # the request is idempotent: asking again answers the same refund
        raise RetriableError(f"POST {REFUNDS_PATH}: the answer holds no refund")
    if made.get("status") in FAILED:
        raise FatalError(f"square refund {made['id']} is {made['status']}")
    return RefundSent(reference=str(made["id"]))
