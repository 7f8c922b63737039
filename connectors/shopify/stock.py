"""Stock to Shopify and back: ``inventorySetQuantities`` at one location, and the
``available`` quantity read back through ``nodes(ids:)`` for drift checks."""

from __future__ import annotations

from itertools import pairwise
from typing import Any
from urllib.parse import quote

from connectors.shopify.graphql import error_code, graphql
from connectors.shopify.settings import (
    CHANGE_FROM_QUANTITY_FROM,
    IDEMPOTENT_FROM,
    ShopifySettings,
    gid,
)
from hub.sdk import Connection, FatalError, PartnerHttp, StockFigure, StockPushResult

#: Shopify takes at most 250 items in any input array (shopify.dev/docs/api/usage/limits)
STOCK_BATCH_SIZE = 250
#: inventory items per read query: ~3 cost points each, kept well under the 1,000-point
#: ceiling of a single query and a Standard plan's bucket
READ_BATCH_SIZE = 100
NO_LISTING = "no Shopify inventory item id in the catalog"

_SET_FIELDS = """
    inventoryAdjustmentGroup { id }
    userErrors { field code message }
  }
}"""
SET_MUTATION = (
    "mutation HubSetStock($input: InventorySetQuantitiesInput!) {\n"
    "  inventorySetQuantities(input: $input) {" + _SET_FIELDS
)
SET_MUTATION_IDEMPOTENT = (
    "mutation HubSetStock($input: InventorySetQuantitiesInput!, $idempotencyKey: String!) {\n"
    "  inventorySetQuantities(input: $input) @idempotent(key: $idempotencyKey) {" + _SET_FIELDS
)
READ_QUERY = """query HubReadStock($ids: [ID!]!, $locationId: ID!) {
  nodes(ids: $ids) {
    ... on InventoryItem {
      id
      inventoryLevel(locationId: $locationId) {
        quantities(names: ["available"]) { name quantity }
      }
    }
  }
}"""


def reference_document(idempotency_key: str) -> str:
    """The batch as Shopify's ``referenceDocumentUri`` (shown in the inventory history)."""
    return f"gid://order-hub/StockPush/{quote(idempotency_key, safe='')}"


def set_quantities_input(
    settings: ShopifySettings, figures: list[StockFigure], idempotency_key: str
) -> dict[str, Any]:
    """The ``InventorySetQuantitiesInput`` for figures that all have a ``listing_id``."""
    location = settings.location_gid()
    new_cas = settings.at_least(CHANGE_FROM_QUANTITY_FROM)
    quantities = []
    for figure in figures:
        quantity: dict[str, Any] = {
            "inventoryItemId": gid("InventoryItem", figure.listing_id or ""),
            "locationId": location,
            "quantity": figure.quantity,
        }
        if new_cas:
            quantity["changeFromQuantity"] = None
        quantities.append(quantity)
    payload: dict[str, Any] = {
        "name": "available",
        "reason": "correction",
        "referenceDocumentUri": reference_document(idempotency_key),
        "quantities": quantities,
    }
    if not new_cas:
        payload["ignoreCompareQuantity"] = True
    return payload


def _rejected_index(field: object, count: int) -> int | None:
    """``["input", "quantities", "3", ...]`` -> 3 when it names one of ``count`` quantities."""
    if not isinstance(field, list):
        return None
    for here, after in pairwise(field):
        if here == "quantities" and str(after).isdigit() and int(after) < count:
            return int(after)
    return None


async def push_stock(
    connection: Connection,
    settings: ShopifySettings,
    figures: list[StockFigure],
    http: PartnerHttp,
    idempotency_key: str,
) -> StockPushResult:
    """Set each figure as ``available`` at the connection's location, in one mutation.

    A figure without ``listing_id`` is rejected unsent. ``userErrors`` pointing at
    ``quantities[i]`` reject that SKU; Shopify then applies none of the batch, so the rest
    is sent once more (in a new mutation) until it is taken. Other userErrors are fatal.
    """
    if len(figures) > STOCK_BATCH_SIZE:
        raise ValueError(f"at most {STOCK_BATCH_SIZE} figures per call, got {len(figures)}")
    rejected = {f.sku: NO_LISTING for f in figures if not f.listing_id}
    pending = [f for f in figures if f.listing_id]
    attempt = 0
    while pending:
        key = idempotency_key if attempt == 0 else f"{idempotency_key}:{attempt}"
        variables: dict[str, Any] = {"input": set_quantities_input(settings, pending, key)}
        query = SET_MUTATION
        if settings.at_least(IDEMPOTENT_FROM):
            variables["idempotencyKey"] = key
            query = SET_MUTATION_IDEMPOTENT
        data = await graphql(
            http, connection, settings, query, variables, operation="inventorySetQuantities"
        )
        payload = data.get("inventorySetQuantities") or {}
        refused: dict[int, str] = {}
        for error in payload.get("userErrors") or []:
            index = _rejected_index(error.get("field"), len(pending))
            code = error_code(error.get("code"))
            if index is None:
                field = ".".join(str(p) for p in error.get("field") or []) or "-"
                raise FatalError(f"shopify inventorySetQuantities refused: {code} at {field}")
            refused.setdefault(index, f"Shopify refused it ({code})")
        for index, reason in refused.items():
            rejected[pending[index].sku] = reason
        if not refused or payload.get("inventoryAdjustmentGroup") is not None:
            break
        pending = [f for i, f in enumerate(pending) if i not in refused]
        attempt += 1
    return StockPushResult(rejected=rejected)


async def read_stock(
    connection: Connection,
    settings: ShopifySettings,
    figures: list[StockFigure],
    http: PartnerHttp,
) -> dict[str, int]:
    """The ``available`` quantity at the location per SKU; unknown items are left out."""
    location = settings.location_gid()
    skus_by_item: dict[str, list[str]] = {}
    for figure in figures:
        if figure.listing_id:
            skus_by_item.setdefault(gid("InventoryItem", figure.listing_id), []).append(figure.sku)
    items = list(skus_by_item)
    shown: dict[str, int] = {}
    for start in range(0, len(items), READ_BATCH_SIZE):
        ids = items[start : start + READ_BATCH_SIZE]
        data = await graphql(
            http,
            connection,
            settings,
            READ_QUERY,
            {"ids": ids, "locationId": location},
            operation="inventory read",
        )
        for node in data.get("nodes") or []:
            if not isinstance(node, dict) or node.get("id") not in skus_by_item:
                continue
            level = node.get("inventoryLevel") or {}
            for quantity in level.get("quantities") or []:
                if quantity.get("name") == "available" and isinstance(
                    quantity.get("quantity"), int
                ):
                    for sku in skus_by_item[node["id"]]:
                        shown[sku] = quantity["quantity"]
    return shown
