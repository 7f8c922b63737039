"""SKUs for Square line items: they carry a catalog variation id, the SKU is in the catalog.

The combined root that ``square_order.yaml`` maps is
``{"order": <order>, "catalog": {<catalog object id>: <sku>}}``; the mapping looks each
line's SKU up with ``lookup(root().catalog, catalog_object_id)``. A line whose variation is
missing from the catalog, or has no SKU, is a ``MappingError`` naming the line and why (no
catalog object, or not in the catalog): the message is quarantined, and a replay once the
catalog is fixed fetches it again.
"""

from __future__ import annotations

from typing import Any

from hub.sdk import MappingError


def object_ids(order: dict[str, Any]) -> list[str]:
    """The catalog object ids the order's lines refer to, each once, in line order."""
    ids: list[str] = []
    for line in order.get("line_items") or []:
        object_id = line.get("catalog_object_id") if isinstance(line, dict) else None
        if isinstance(object_id, str) and object_id not in ids:
            ids.append(object_id)
    return ids


def skus(response: dict[str, Any]) -> dict[str, str]:
    """``{object id: sku}`` from a BatchRetrieveCatalogObjects response (variations with a
    SKU only; Square leaves ``objects`` out when it found none)."""
    table: dict[str, str] = {}
    for item in response.get("objects") or []:
        if not isinstance(item, dict) or item.get("is_deleted"):
            continue
        sku = (item.get("item_variation_data") or {}).get("sku")
        if isinstance(item.get("id"), str) and isinstance(sku, str) and sku.strip():
            table[item["id"]] = sku
    return table


def _missing(line: dict[str, Any]) -> str:
    what = f"line {line.get('uid')!r} ({line.get('name')!r})"
    object_id = line.get("catalog_object_id")
    if not object_id:
        return f"{what} has no catalog object (a custom amount?), so no SKU"
    return f"{what}: catalog object {object_id!r} is not in the catalog or has no SKU"


def combine(order: dict[str, Any], catalog: dict[str, str], mapping: str) -> dict[str, Any]:
    """The root the mapping sees; a line whose SKU the catalog lacks is an error saying why."""
    lines = order.get("line_items")
    for i, line in enumerate(lines if isinstance(lines, list) else []):
        if not isinstance(line, dict):
            raise MappingError(mapping, f"lines[{i}]", "a line item is not an object")
        if catalog.get(line.get("catalog_object_id") or "") is None:
            raise MappingError(mapping, f"lines[{i}].sku", _missing(line))
    return {"order": order, "catalog": catalog}
