"""Amazon's documents as the mapping sees them: the combined root of an order and its items.

``{"order": <getOrders order>, "items": [<getOrderItems items>]}`` is what a poll keeps as
one message and what ``amazon_order.yaml`` maps. ``roots`` builds them from saved
getOrders / getOrderItems responses (``hub normalize amazon getorders.json items.json``).
"""

from __future__ import annotations

from typing import Any

import msgspec

from hub.sdk import MappingError

#: statuses whose order has no prices yet: not kept, it comes again once paid
#: (its LastUpdateDate changes)
UNPRICED = frozenset({"Pending", "PendingAvailability"})


def skip(order: dict[str, Any]) -> bool:
    """An order with nothing to map yet: awaiting payment, or cancelled before it was paid
    (the hub never saw it, as it skipped the pending order)."""
    status = order.get("OrderStatus")
    return status in UNPRICED or (status == "Canceled" and not order.get("OrderTotal"))


def root(order: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"order": order, "items": items}


def decode(document: bytes, mapping: str) -> Any:
    try:
        return msgspec.json.decode(document)
    except msgspec.DecodeError as exc:
        raise MappingError(mapping, "$", f"the document is not JSON: {exc}") from None


def roots(documents: list[bytes], mapping: str) -> list[dict[str, Any]]:
    """Combined roots from getOrders responses, getOrderItems responses (matched to their
    order by AmazonOrderId; several pages of one order are joined) and combined roots."""
    found: list[dict[str, Any]] = []
    orders: list[dict[str, Any]] = []
    items: dict[str, list[dict[str, Any]]] = {}
    for i, raw in enumerate(documents, 1):
        document = decode(raw, mapping)
        payload = document.get("payload") if isinstance(document, dict) else None
        if isinstance(document, dict) and isinstance(document.get("order"), dict):
            if not isinstance(document.get("items"), list):
                raise MappingError(mapping, "items", f"document {i}: items is not an array")
            if not skip(document["order"]):
                found.append(document)
        elif isinstance(payload, dict) and isinstance(payload.get("Orders"), list):
            if not all(isinstance(order, dict) for order in payload["Orders"]):
                raise MappingError(mapping, "order", f"document {i}: Orders holds a non-object")
            orders.extend(payload["Orders"])
        elif isinstance(payload, dict) and isinstance(payload.get("OrderItems"), list):
            order_id = str(payload.get("AmazonOrderId"))
            items.setdefault(order_id, []).extend(payload["OrderItems"])
        else:
            raise MappingError(
                mapping,
                "$",
                f"document {i} is neither a getOrders nor a getOrderItems response "
                'nor {"order", "items"}',
            )
    for order in orders:
        if skip(order):
            continue
        order_id = str(order.get("AmazonOrderId"))
        if order_id not in items:
            raise MappingError(mapping, "items", f"no getOrderItems response for order {order_id}")
        found.append(root(order, items[order_id]))
    return found
