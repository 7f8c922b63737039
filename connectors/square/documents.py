"""Saved Square documents to the combined roots the mapping sees (``hub normalize square``).

``roots`` takes, in any order and mix:

- RetrieveOrder responses (``{"order": ...}``) or BatchRetrieveOrders ones (``{"orders": [...]}``);
- BatchRetrieveCatalogObjects responses (``{"objects": [...]}``), merged into one SKU table
  that every order is joined with;
- combined roots ``{"order": ..., "catalog": {id: sku}}``, taken as they are.

A notification envelope carries only the order's id, so it is refused here: the order must
be fetched (``orders_from_message`` does that).
"""

from __future__ import annotations

from typing import Any

import msgspec

from connectors.square import catalog as catalogs
from hub.sdk import MappingError


def decode(document: bytes, mapping: str, where: str) -> Any:
    try:
        return msgspec.json.decode(document)
    except msgspec.DecodeError as exc:
        raise MappingError(mapping, where, f"the document is not JSON: {exc}") from None


def _is_sku_table(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    )


def roots(documents: list[bytes], mapping: str) -> list[dict[str, Any]]:
    """One combined root per order in ``documents`` (see the module's docstring)."""
    # each order with its own SKU table (a combined root's), or None for the merged one
    orders: list[tuple[dict[str, Any], dict[str, str] | None]] = []
    table: dict[str, str] = {}
    for i, document in enumerate(documents):
        where = f"$[{i}]"
        value = decode(document, mapping, where)
        if not isinstance(value, dict):
            raise MappingError(mapping, where, "not a Square order or catalog response")
        if isinstance(value.get("order"), dict) and _is_sku_table(value.get("catalog")):
            orders.append((value["order"], value["catalog"]))
        elif isinstance(value.get("order"), dict):
            orders.append((value["order"], None))
        elif isinstance(value.get("orders"), list):
            orders.extend((o, None) for o in value["orders"] if isinstance(o, dict))
        elif isinstance(value.get("objects"), list):
            table.update(catalogs.skus(value))
        elif "event_id" in value and "data" in value:
            raise MappingError(
                mapping, where, "a notification carries only the order id: fetch the order"
            )
        else:
            raise MappingError(
                mapping, where, "neither an order, a catalog response nor a combined root"
            )
    return [
        catalogs.combine(order, table if own is None else own, mapping) for order, own in orders
    ]
