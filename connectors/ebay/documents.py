"""eBay's documents as the mapping sees them: one order, as an element of getOrders' ``orders``.

A poll keeps each order as one message. ``orders`` takes saved getOrders responses (or
single orders) as ``hub normalize ebay getorders.json`` passes them.
"""

from __future__ import annotations

from typing import Any

import msgspec

from hub.sdk import MappingError


def decode(document: bytes, mapping: str) -> Any:
    try:
        return msgspec.json.decode(document)
    except msgspec.DecodeError as exc:
        raise MappingError(mapping, "$", f"the document is not JSON: {exc}") from None


def is_order(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("orderId"), str)


def orders(documents: list[bytes], mapping: str) -> list[dict[str, Any]]:
    """Every order in ``documents``: getOrders responses (their ``orders``) or single orders."""
    found: list[dict[str, Any]] = []
    for i, document in enumerate(documents):
        value = decode(document, mapping)
        if is_order(value):
            found.append(value)
        elif isinstance(value, dict) and isinstance(value.get("orders"), list):
            for j, order in enumerate(value["orders"]):
                if not is_order(order):
                    raise MappingError(mapping, f"$[{i}].orders[{j}]", "not an eBay order")
                found.append(order)
        else:
            raise MappingError(mapping, f"$[{i}]", "neither a getOrders response nor an eBay order")
    return found


def dedupe_key(order: dict[str, Any]) -> str:
    """This version of the order: its id and last modification time."""
    return f"{order['orderId']}@{order.get('lastModifiedDate')}"
