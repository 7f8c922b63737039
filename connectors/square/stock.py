"""Square stock: physical counts set with BatchChangeInventory, read back with
BatchRetrieveInventoryCounts, at the connection's one location (``settings.location_id``).

A figure's ``listing_id`` is the Square catalog object id (the item variation).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.square.api import decode, headers
from connectors.square.settings import base_url, parse_settings, stock_location
from hub.sdk import Connection, FatalError, PartnerHttp, StockFigure, StockPushResult

CHANGES_PATH = "/v2/inventory/changes/batch-create"
COUNTS_PATH = "/v2/inventory/counts/batch-retrieve"
#: BatchChangeInventory takes at most 100 changes per call
CHANGES_LIMIT = 100
#: catalog object ids per BatchRetrieveInventoryCounts query (the answer pages by cursor)
READ_CHUNK = 100
#: a guard against a cursor that never ends
MAX_PAGES = 100
_CHANGE_FIELD = re.compile(r"changes\[(\d+)\]")


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _now() -> str:
    return _iso(datetime.now(UTC))


def change(figure: StockFigure, location_id: str, occurred_at: str) -> dict[str, Any]:
    """One PHYSICAL_COUNT: the figure is the new IN_STOCK count (a decimal string)."""
    return {
        "type": "PHYSICAL_COUNT",
        "physical_count": {
            "catalog_object_id": figure.listing_id,
            "location_id": location_id,
            "quantity": str(figure.quantity),
            "state": "IN_STOCK",
            "occurred_at": occurred_at,
        },
    }


def _errors(answer: dict[str, Any], batch: list[StockFigure]) -> dict[str, str]:
    """SKU -> reason for errors naming one change; any other error is fatal (codes only)."""
    errors = answer.get("errors")
    if not isinstance(errors, list) or not errors:
        return {}
    rejected: dict[str, str] = {}
    general: list[str] = []
    for error in errors:
        error = error if isinstance(error, dict) else {}
        code = str(error.get("code") or "UNKNOWN")
        match = _CHANGE_FIELD.search(str(error.get("field") or ""))
        if match and int(match.group(1)) < len(batch):
            rejected[batch[int(match.group(1))].sku] = f"Square refused it ({code})"
        else:
            general.append(code)
    if general:
        raise FatalError(f"POST {CHANGES_PATH}: Square answered errors {sorted(set(general))}")
    return rejected


async def push_stock(
    connection: Connection, figures: list[StockFigure], http: PartnerHttp, idempotency_key: str
) -> StockPushResult:
    """Each figure as a PHYSICAL_COUNT, at most 100 per call, with ``idempotency_key``."""
    settings = parse_settings(connection.settings)
    location_id = stock_location(connection, settings)
    rejected = {
        f.sku: "no Square catalog object id for this SKU" for f in figures if not f.listing_id
    }
    usable = [f for f in figures if f.listing_id]
    batches = [usable[i : i + CHANGES_LIMIT] for i in range(0, len(usable), CHANGES_LIMIT)]
    dated = [f.as_of for f in usable if f.as_of is not None]
    # the hub's own time of the change: the same body on every retry under the same key
    occurred_at = _iso(max(dated)) if dated else _now()
    for number, batch in enumerate(batches):
        # the hub sends at most stock_batch_size figures: one call, its key as given
        key = idempotency_key if len(batches) == 1 else f"{idempotency_key}-{number}"
        body = {
            "idempotency_key": key,
            "changes": [change(f, location_id, occurred_at) for f in batch],
            "ignore_unchanged_counts": True,
        }
        response = await http.post(
            base_url(connection) + CHANGES_PATH,
            headers=headers(connection, settings),
            json=body,
        )
        rejected.update(_errors(decode(response.content, f"POST {CHANGES_PATH}"), batch))
    return StockPushResult(rejected=rejected)


def _quantity(value: object) -> int | None:
    """Square's decimal string as a whole number (a fraction is cut toward zero)."""
    try:
        return int(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return None


async def read_stock(
    connection: Connection, figures: list[StockFigure], http: PartnerHttp
) -> dict[str, int]:
    """The IN_STOCK count at the location for each figure's catalog object; objects Square
    has no count for are left out."""
    settings = parse_settings(connection.settings)
    location_id = stock_location(connection, settings)
    skus: dict[str, list[str]] = {}
    for figure in figures:
        if figure.listing_id:
            skus.setdefault(figure.listing_id, []).append(figure.sku)
    ids = list(skus)
    found: dict[str, int] = {}
    for start in range(0, len(ids), READ_CHUNK):
        query: dict[str, Any] = {
            "catalog_object_ids": ids[start : start + READ_CHUNK],
            "location_ids": [location_id],
            "states": ["IN_STOCK"],
        }
        for _ in range(MAX_PAGES):
            response = await http.post(
                base_url(connection) + COUNTS_PATH,
                headers=headers(connection, settings),
                json=query,
            )
            answer = decode(response.content, f"POST {COUNTS_PATH}")
            _errors_fatal(answer)
            for count in answer.get("counts") or []:
                if not isinstance(count, dict) or count.get("state") != "IN_STOCK":
                    continue
                if count.get("location_id") != location_id:
                    continue
                quantity = _quantity(count.get("quantity"))
                for sku in skus.get(str(count.get("catalog_object_id")), []):
                    if quantity is not None:
                        found[sku] = quantity
            cursor = answer.get("cursor")
            if not cursor:
                break
            query = {**query, "cursor": cursor}
        else:
            raise FatalError(f"POST {COUNTS_PATH}: more than {MAX_PAGES} pages")
    return found


def _errors_fatal(answer: dict[str, Any]) -> None:
    errors = answer.get("errors")
    if isinstance(errors, list) and errors:
        codes = sorted({str(e.get("code")) for e in errors if isinstance(e, dict)})
        raise FatalError(f"POST {COUNTS_PATH}: Square answered errors {codes}")
