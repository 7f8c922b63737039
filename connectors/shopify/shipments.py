"""Shipments back to Shopify: the order's fulfillment orders, then ``fulfillmentCreate``.

Safe to repeat: when the order already has a fulfillment with the shipment's tracking
number, or every fulfillment order line the shipment matches has nothing left to fulfil (a
retry after a lost answer), nothing is sent.
"""

from __future__ import annotations

from typing import Any

from connectors.shopify.graphql import graphql
from connectors.shopify.settings import ShopifySettings, gid
from hub.sdk import ChannelShipment, Connection, FatalError, PartnerHttp, ShippedLine

ORDER_QUERY = """query HubFulfillmentOrders($id: ID!) {
  order(id: $id) {
    id
    fulfillments(first: 50) { trackingInfo(first: 10) { number } }
    fulfillmentOrders(first: 50) {
      nodes {
        id
        status
        lineItems(first: 250) {
          nodes { id sku remainingQuantity lineItem { id sku } }
        }
      }
    }
  }
}"""
#: fulfillment orders that can take a fulfillment now
OPEN_STATUSES = frozenset({"OPEN", "IN_PROGRESS"})
CREATE_MUTATION = """mutation HubFulfillmentCreate($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id status }
    userErrors { field message }
  }
}"""


def _line_matches(line: ShippedLine, item: dict[str, Any]) -> bool:
    ordered = item.get("lineItem") or {}
    if line.line_id:
        return ordered.get("id") == gid("LineItem", line.line_id)
    return bool(line.sku) and line.sku in (ordered.get("sku"), item.get("sku"))


def allocate(order: dict[str, Any], lines: list[ShippedLine]) -> dict[str, dict[str, int]] | None:
    """Fulfillment order id -> {fulfillment order line id: quantity} for ``lines``.

    None when the matching lines have nothing left (already fulfilled). A line the order
    does not have at all is a FatalError. No lines: everything still open.
    """
    fulfillment_orders = (order.get("fulfillmentOrders") or {}).get("nodes") or []
    left = {
        item["id"]: int(item.get("remainingQuantity") or 0)
        for fo in fulfillment_orders
        for item in (fo.get("lineItems") or {}).get("nodes") or []
    }
    plan: dict[str, dict[str, int]] = {}
    if not lines:
        for fo in fulfillment_orders:
            if fo.get("status") not in OPEN_STATUSES:
                continue
            for item in (fo.get("lineItems") or {}).get("nodes") or []:
                if left[item["id"]] > 0:
                    plan.setdefault(fo["id"], {})[item["id"]] = left[item["id"]]
        return plan or None
    for line in lines:
        wanted = line.quantity
        matched = False
        for fo in fulfillment_orders:
            for item in (fo.get("lineItems") or {}).get("nodes") or []:
                if not _line_matches(line, item):
                    continue
                matched = True
                take = min(wanted, left[item["id"]])
                if take > 0:
                    chosen = plan.setdefault(fo["id"], {})
                    chosen[item["id"]] = chosen.get(item["id"], 0) + take
                    left[item["id"]] -= take
                    wanted -= take
        if not matched:
            raise FatalError(f"shopify order has no line for SKU {line.sku!r}")
    return plan or None


def fulfillment_input(shipment: ChannelShipment, plan: dict[str, dict[str, int]]) -> dict[str, Any]:
    """The ``FulfillmentInput`` for ``plan`` with the shipment's tracking."""
    fulfillment: dict[str, Any] = {
        "lineItemsByFulfillmentOrder": [
            {
                "fulfillmentOrderId": fo_id,
                "fulfillmentOrderLineItems": [
                    {"id": item_id, "quantity": quantity} for item_id, quantity in items.items()
                ],
            }
            for fo_id, items in plan.items()
        ],
        "notifyCustomer": True,
    }
    tracking = {
        "company": shipment.carrier,
        "number": shipment.tracking_number,
        "url": shipment.tracking_url,
    }
    tracking = {k: v for k, v in tracking.items() if v}
    if tracking:
        fulfillment["trackingInfo"] = tracking
    return fulfillment


def _already_tracked(order: dict[str, Any], number: str | None) -> bool:
    if not number:
        return False
    return any(
        info.get("number") == number
        for fulfillment in order.get("fulfillments") or []
        for info in fulfillment.get("trackingInfo") or []
    )


async def push_shipment(
    connection: Connection, settings: ShopifySettings, shipment: ChannelShipment, http: PartnerHttp
) -> None:
    """Fulfil the shipment's lines on the Shopify order, with tracking; safe to repeat."""
    order_id = gid("Order", shipment.external_id)
    data = await graphql(
        http, connection, settings, ORDER_QUERY, {"id": order_id}, operation="order query"
    )
    order = data.get("order")
    if not isinstance(order, dict):
        raise FatalError(f"shopify has no order {shipment.external_id!r}")
    if _already_tracked(order, shipment.tracking_number):
        return
    plan = allocate(order, shipment.lines)
    if plan is None:
        return
    data = await graphql(
        http,
        connection,
        settings,
        CREATE_MUTATION,
        {"fulfillment": fulfillment_input(shipment, plan)},
        operation="fulfillmentCreate",
    )
    errors = (data.get("fulfillmentCreate") or {}).get("userErrors") or []
    if errors:
        fields = sorted({".".join(str(p) for p in e.get("field") or []) or "-" for e in errors})
        raise FatalError(f"shopify fulfillmentCreate refused: userErrors at {', '.join(fields)}")
