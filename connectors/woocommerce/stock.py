"""WooCommerce stock: figures pushed with products/batch and variations/batch, read back
with the products and variations lists.

A figure's ``listing_id`` is a product id (``"123"``) or a variation as
``"parent:variation"`` (``"123:456"``). Simple products share one ``POST products/batch``;
variations go to ``POST products/{parent}/variations/batch``, one call per parent. Each
batch call carries at most ``BATCH_LIMIT`` items (WooCommerce's default batch limit).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, NamedTuple, TypeVar

from connectors.woocommerce.api import call
from hub.sdk import Connection, PartnerHttp, RetriableError, StockFigure, StockPushResult

BATCH_LIMIT = 100
_LISTING = re.compile(r"(\d+)(?::(\d+))?")
T = TypeVar("T")


class Listing(NamedTuple):
    """A parsed listing id: ``parent`` is None for a simple product."""

    id: int
    parent: int | None


def parse_listing(listing_id: str | None) -> Listing | None:
    """``"123"`` -> product 123; ``"123:456"`` -> variation 456 of 123; else None."""
    match = _LISTING.fullmatch((listing_id or "").strip())
    if match is None:
        return None
    if match.group(2) is None:
        return Listing(int(match.group(1)), None)
    return Listing(int(match.group(2)), int(match.group(1)))


def chunks(items: list[T], size: int = BATCH_LIMIT) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def group(
    figures: list[StockFigure],
) -> tuple[dict[int | None, list[tuple[StockFigure, Listing]]], dict[str, str]]:
    """Figures by parent (None: simple products), in order; unusable ones rejected."""
    groups: dict[int | None, list[tuple[StockFigure, Listing]]] = {}
    rejected: dict[str, str] = {}
    for figure in figures:
        if figure.listing_id is None:
            rejected[figure.sku] = "no WooCommerce listing id for this SKU"
            continue
        listing = parse_listing(figure.listing_id)
        if listing is None:
            rejected[figure.sku] = (
                f"listing id {figure.listing_id!r} is not a product id or parent:variation"
            )
            continue
        groups.setdefault(listing.parent, []).append((figure, listing))
    return groups, rejected


def _batch_path(parent: int | None) -> str:
    return "/products/batch" if parent is None else f"/products/{parent}/variations/batch"


def _refusals(answer: Any, batch: list[tuple[StockFigure, Listing]], what: str) -> dict[str, str]:
    """SKU -> reason for each item WooCommerce refused or did not confirm."""
    if not isinstance(answer, dict) or not isinstance(answer.get("update"), list):
        raise RetriableError(f"{what}: the answer holds no update list")
    by_id: dict[int, dict[str, Any]] = {}
    for item in answer["update"]:
        if isinstance(item, dict) and isinstance(item.get("id"), int):
            by_id[item["id"]] = item
    out: dict[str, str] = {}
    for figure, listing in batch:
        item = by_id.get(listing.id)
        if item is None:
            out[figure.sku] = "not confirmed in WooCommerce's answer"
        elif item.get("error"):
            error = item["error"]
            code = error.get("code") if isinstance(error, dict) else None
            out[figure.sku] = f"WooCommerce refused it ({code or 'no code'})"
    return out


async def push_stock(
    connection: Connection, figures: list[StockFigure], http: PartnerHttp
) -> StockPushResult:
    """Set ``stock_quantity`` (with ``manage_stock``) in as few batch calls as possible."""
    groups, rejected = group(figures)
    for parent, members in groups.items():
        path = _batch_path(parent)
        what = "POST " + ("products/batch" if parent is None else "products/{id}/variations/batch")
        for batch in chunks(members):
            body = {
                "update": [
                    {"id": listing.id, "manage_stock": True, "stock_quantity": figure.quantity}
                    for figure, listing in batch
                ]
            }
            answer = await call(http, connection, "POST", path, what, json=body)
            rejected.update(_refusals(answer, batch, what))
    return StockPushResult(rejected=rejected)


async def _list(
    http: PartnerHttp, connection: Connection, path: str, ids: list[int], what: str
) -> dict[int, int]:
    """id -> stock_quantity of the listed objects that manage their stock."""
    params = {"include": ",".join(str(i) for i in ids), "per_page": str(BATCH_LIMIT)}
    answer = await call(http, connection, "GET", path, what, params=params)
    if not isinstance(answer, list):
        raise RetriableError(f"{what}: the answer is not a list")
    out: dict[int, int] = {}
    for item in answer:
        if not isinstance(item, dict):
            continue
        id_, quantity = item.get("id"), item.get("stock_quantity")
        if isinstance(id_, int) and isinstance(quantity, int) and not isinstance(quantity, bool):
            out[id_] = quantity
    return out


async def read_stock(
    connection: Connection, figures: list[StockFigure], http: PartnerHttp
) -> dict[str, int]:
    """The ``stock_quantity`` WooCommerce shows for each figure's listing.

    A listing WooCommerce does not return, or whose stock it does not manage
    (``stock_quantity`` null), is left out.
    """
    groups, _ = group(figures)
    found: dict[str, int] = {}
    for parent, members in groups.items():
        path = "/products" if parent is None else f"/products/{parent}/variations"
        what = "GET " + ("products" if parent is None else "products/{id}/variations")
        for batch in chunks(members):
            ids = list(dict.fromkeys(listing.id for _, listing in batch))
            quantities = await _list(http, connection, path, ids, what)
            for figure, listing in batch:
                if listing.id in quantities:
                    found[figure.sku] = quantities[listing.id]
    return found
