"""Stock to eBay and back: the Sell Inventory API's bulk calls, at most 25 SKUs each.

- Push: ``POST /sell/inventory/v1/bulk_update_price_quantity``, ``{requests: [{sku,
  shipToLocationAvailability: {quantity}, offers: [{offerId, availableQuantity}]}]}`` (the
  offer only when the catalog has the figure's eBay offer id as ``listing_id``). eBay answers
  200 or 207 with one ``responses`` element per SKU (and per offer), each with its own
  ``statusCode`` and ``errors``: a SKU with any element of 400 or more is rejected.
- Read: ``POST /sell/inventory/v1/bulk_get_inventory_item``, ``{requests: [{sku}]}``; each
  answer's ``inventoryItem.availability.shipToLocationAvailability.quantity`` (absent: 0). A
  SKU eBay does not know (its ``statusCode`` not 200) is left out.
"""

from __future__ import annotations

from typing import Any

import msgspec

from connectors.ebay.settings import access_token, base_url
from hub.sdk import Connection, PartnerHttp, RetriableError, StockFigure, StockPushResult

UPDATE_PATH = "/sell/inventory/v1/bulk_update_price_quantity"
READ_PATH = "/sell/inventory/v1/bulk_get_inventory_item"
BATCH = 25  # both calls' documented maximum


class _Error(msgspec.Struct):
    errorId: int | None = None


class _Answer(msgspec.Struct):
    statusCode: int = 0
    sku: str | None = None
    offerId: str | None = None
    errors: list[_Error] = []
    inventoryItem: dict[str, Any] | None = None


class _Answers(msgspec.Struct):
    responses: list[_Answer] = []


def headers(connection: Connection) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {access_token(connection)}",
        "Accept": "application/json",
        "Content-Type": "application/json",
    }


def update_request(figure: StockFigure) -> dict[str, Any]:
    request: dict[str, Any] = {
        "sku": figure.sku,
        "shipToLocationAvailability": {"quantity": figure.quantity},
    }
    if figure.listing_id:
        request["offers"] = [{"offerId": figure.listing_id, "availableQuantity": figure.quantity}]
    return request


def batches(figures: list[StockFigure]) -> list[list[StockFigure]]:
    return [figures[i : i + BATCH] for i in range(0, len(figures), BATCH)]


async def _post(http: PartnerHttp, connection: Connection, path: str, body: Any) -> _Answers:
    response = await http.post(base_url(connection) + path, json=body, headers=headers(connection))
    try:
        return msgspec.json.decode(response.content, type=_Answers)
    except msgspec.MsgspecError:
        raise RetriableError(f"POST {path}: the answer is not understood") from None


def _reason(answer: _Answer) -> str:
    ids = sorted({str(e.errorId) for e in answer.errors if e.errorId is not None})
    where = f" (offer {answer.offerId})" if answer.offerId else ""
    return f"ebay {answer.statusCode}{where}" + (f": errors {', '.join(ids)}" if ids else "")


async def push(
    http: PartnerHttp, connection: Connection, figures: list[StockFigure]
) -> StockPushResult:
    """Every figure in calls of at most 25; the SKUs eBay refused, with its status and errors."""
    rejected: dict[str, str] = {}
    for batch in batches(figures):
        body = {"requests": [update_request(f) for f in batch]}
        answers = await _post(http, connection, UPDATE_PATH, body)
        offers = {f.listing_id: f.sku for f in batch if f.listing_id}
        for answer in answers.responses:
            if answer.statusCode < 400 and not answer.errors:
                continue
            sku = answer.sku or offers.get(answer.offerId or "")
            if sku is not None and sku not in rejected:
                rejected[sku] = _reason(answer)
    return StockPushResult(rejected=rejected)


def _quantity(item: dict[str, Any]) -> int:
    availability = item.get("availability") or {}
    ship_to = availability.get("shipToLocationAvailability") or {}
    quantity = ship_to.get("quantity")
    return quantity if isinstance(quantity, int) else 0


async def read(
    http: PartnerHttp, connection: Connection, figures: list[StockFigure]
) -> dict[str, int]:
    found: dict[str, int] = {}
    for batch in batches(figures):
        body = {"requests": [{"sku": f.sku} for f in batch]}
        answers = await _post(http, connection, READ_PATH, body)
        for answer in answers.responses:
            if answer.statusCode == 200 and answer.sku and answer.inventoryItem is not None:
                found[answer.sku] = _quantity(answer.inventoryItem)
    return found
