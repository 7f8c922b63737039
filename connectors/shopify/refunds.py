"""Refunds on Shopify: ``refundCreate`` (GraphQL Admin API) for a return the hub received.

Safe to repeat: the refund's note carries the hub's refund id (``hub return <id>``); the
order's refunds are read first, and one with that note is the refund already made (a
retry after a lost answer sends nothing). The money goes back through the gateway of the
order's successful sale or capture (its ``parentId``); the returned lines are refunded with
``NO_RESTOCK`` (the hub keeps the stock and pushes it itself).
"""

from __future__ import annotations

from typing import Any

from connectors.shopify.graphql import graphql
from connectors.shopify.settings import ShopifySettings, gid
from hub.sdk import ChannelRefund, Connection, FatalError, PartnerHttp, RefundSent
from hub.sdk import to_decimal_string as decimal

ORDER_QUERY = """query HubRefunds($id: ID!) {
  order(id: $id) {
    id
    refunds(first: 100) { id note transactions(first: 5) { nodes { id } } }
    transactions(first: 50) { id gateway kind status }
    lineItems(first: 250) { nodes { id sku } }
  }
}"""
CREATE_MUTATION = """mutation HubRefundCreate($input: RefundInput!) {
  refundCreate(input: $input) {
    refund { id transactions(first: 5) { nodes { id } } }
    userErrors { field message }
  }
}"""
PAID = frozenset({"SALE", "CAPTURE"})


def _reference(refund: dict[str, Any]) -> str:
    """The refund's transaction id (what the order's transactions show), else its own."""
    nodes = (refund.get("transactions") or {}).get("nodes") or []
    return str(nodes[0]["id"] if nodes else refund["id"])


def _line_items(order: dict[str, Any], refund: ChannelRefund) -> list[dict[str, Any]]:
    items = (order.get("lineItems") or {}).get("nodes") or []
    out = []
    for line in refund.lines:
        if line.line_id:
            item_id = gid("LineItem", line.line_id)
        else:
            found = [i["id"] for i in items if i.get("sku") == line.sku]
            if not found:
                raise FatalError(f"shopify order has no line for SKU {line.sku!r}")
            item_id = found[0]
        out.append({"lineItemId": item_id, "quantity": line.quantity, "restockType": "NO_RESTOCK"})
    return out


def refund_input(order: dict[str, Any], refund: ChannelRefund) -> dict[str, Any]:
    """The ``RefundInput`` of ``refund`` on ``order`` (as ``ORDER_QUERY`` read it)."""
    body: dict[str, Any] = {
        "orderId": order["id"],
        "note": refund.note or f"hub return {refund.refund_id}",
        "notify": True,
        "refundLineItems": _line_items(order, refund),
    }
    if refund.shipping:
        body["shipping"] = {"amount": decimal(refund.shipping, refund.currency)}
    parents = [
        t for t in order.get("transactions") or []
        if t.get("kind") in PAID and t.get("status") == "SUCCESS"
    ]  # fmt: skip
    if parents and refund.amount:
        body["transactions"] = [{
            "orderId": order["id"], "parentId": parents[0]["id"],
            "gateway": parents[0].get("gateway") or "manual", "kind": "REFUND",
            "amount": decimal(refund.amount, refund.currency),
        }]  # fmt: skip
    return body


async def refund_order(
    connection: Connection, settings: ShopifySettings, refund: ChannelRefund, http: PartnerHttp
) -> RefundSent:
    order_id = gid("Order", refund.external_id)
    data = await graphql(http, connection, settings, ORDER_QUERY, {"id": order_id},
                         operation="refunds query")  # fmt: skip
    order = data.get("order")
    if not isinstance(order, dict):
        raise FatalError(f"shopify has no order {refund.external_id!r}")
    mark = f"hub return {refund.refund_id}"
    for made in order.get("refunds") or []:
        if mark in (made.get("note") or ""):
            return RefundSent(reference=_reference(made), already=True)
    variables = {"input": refund_input(order, refund)}
    data = await graphql(
        http, connection, settings, CREATE_MUTATION, variables, operation="refundCreate"
    )
    answer = data.get("refundCreate") or {}
    errors = answer.get("userErrors") or []
    if errors:
        fields = sorted({".".join(str(p) for p in e.get("field") or []) or "-" for e in errors})
        raise FatalError(f"shopify refundCreate refused: userErrors at {', '.join(fields)}")
    made = answer.get("refund")
    if not isinstance(made, dict) or "id" not in made:
        raise FatalError("shopify refundCreate answered no refund")
    return RefundSent(reference=_reference(made))
