"""Refunds on WooCommerce: ``POST orders/{id}/refunds`` for a return the hub received.

Safe to repeat: the refund's ``reason`` carries the hub's refund id (``hub return <id>``);
the order's refunds are listed first and one with that reason is the refund already made.
``api_refund: true`` asks the payment gateway to pay the money back where it can; the lines
go with their quantities (``restock_items: false``: the hub keeps and pushes the stock).
"""

from __future__ import annotations

from typing import Any

from connectors.woocommerce.api import call
from hub.sdk import ChannelRefund, Connection, FatalError, PartnerHttp, RefundSent
from hub.sdk import to_decimal_string as decimal


def refund_body(refund: ChannelRefund) -> dict[str, Any]:
    lines = [
        {"id": int(ln.line_id), "quantity": ln.quantity}
        for ln in refund.lines
        if ln.line_id and ln.line_id.isdigit()
    ]
    return {
        "amount": decimal(refund.amount, refund.currency),
        "reason": refund.note or f"hub return {refund.refund_id}",
        "line_items": lines,
        "api_refund": True,
        "restock_items": False,
    }


async def refund_order(
    connection: Connection, refund: ChannelRefund, http: PartnerHttp
) -> RefundSent:
    path = f"/orders/{refund.external_id}/refunds"
    made = await call(http, connection, "GET", path, "woocommerce refunds list")
    if not isinstance(made, list):
        raise FatalError("woocommerce refunds list: the answer is not a list")
    mark = f"hub return {refund.refund_id}"
    for r in made:
        if isinstance(r, dict) and mark in str(r.get("reason") or ""):
            return RefundSent(reference=f"woocommerce-refund:{r.get('id')}", already=True)
    answer = await call(http, connection, "POST", path, "woocommerce refund create",
                        json=refund_body(refund))  # fmt: skip
    if not isinstance(answer, dict) or "id" not in answer:
        raise FatalError("woocommerce refund create: the answer holds no refund id")
    return RefundSent(reference=f"woocommerce-refund:{answer['id']}")
