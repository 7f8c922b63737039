"""Stock to Amazon and back: the ``fulfillment_availability`` attribute of seller listings.

- One figure: Listings Items API ``patchListingsItem`` (``PATCH /listings/2021-08-01/items/
  {sellerId}/{sku}``), whose answer says at once whether Amazon took it (``ACCEPTED``) or
  not (``INVALID`` with ``issues``).
- Several: one ``JSON_LISTINGS_FEED`` through the Feeds API 2021-06-30: ``createFeedDocument``,
  the JSON uploaded to the pre-signed URL it returns, then ``createFeed``. Amazon processes a
  feed later; a SKU it refuses shows only in the feed's processing report (not read here).
- Read back: ``getListingsItem`` with ``includedData=fulfillmentAvailability``, one per SKU
  (the API has no batch read), the ``DEFAULT`` (seller-fulfilled) channel's quantity.

The seller SKU is the figure's ``listing_id`` (the catalog's listing id on this connection)
or else its ``sku``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import msgspec

from connectors.amazon.api import SpApi, status_of
from connectors.amazon.settings import marketplace_id, seller_id
from hub.sdk import FatalError, StockFigure, StockPushResult

LISTINGS = "/listings/2021-08-01/items"
FEED_DOCUMENTS = "/feeds/2021-06-30/documents"
FEEDS = "/feeds/2021-06-30/feeds"
FEED_TYPE = "JSON_LISTINGS_FEED"
FEED_CONTENT_TYPE = "application/json; charset=UTF-8"
#: messages one JSON_LISTINGS_FEED document may carry (10,000; raised to 25,000 in 2025-05)
FEED_MAX_MESSAGES = 10_000
PRODUCT_TYPE = "PRODUCT"  # any product type will do for a patch of fulfillment_availability
#: answers to one patch that refuse that figure only (401/403 are the credentials: fatal)
REFUSED = frozenset({400, 404, 422})


def seller_sku(figure: StockFigure) -> str:
    return figure.listing_id or figure.sku


def availability_patch(quantity: int) -> list[dict[str, Any]]:
    return [
        {
            "op": "replace",
            "path": "/attributes/fulfillment_availability",
            "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": quantity}],
        }
    ]


def feed_document(seller: str, figures: list[StockFigure]) -> dict[str, Any]:
    """The JSON_LISTINGS_FEED document: one PATCH message per figure, numbered from 1."""
    return {
        "header": {"sellerId": seller, "version": "2.0", "issueLocale": "en_US"},
        "messages": [
            {
                "messageId": number,
                "sku": seller_sku(figure),
                "operationType": "PATCH",
                "productType": PRODUCT_TYPE,
                "patches": availability_patch(figure.quantity),
            }
            for number, figure in enumerate(figures, 1)
        ],
    }


class _Issue(msgspec.Struct):
    code: str | None = None
    severity: str | None = None


class _Submission(msgspec.Struct):
    status: str
    issues: list[_Issue] = []


class _FeedDocument(msgspec.Struct):
    feedDocumentId: str
    url: str


class _Feed(msgspec.Struct):
    feedId: str


class _Availability(msgspec.Struct):
    fulfillmentChannelCode: str | None = None
    quantity: int | None = None


class _Item(msgspec.Struct):
    fulfillmentAvailability: list[_Availability] = []


def _decode(content: bytes, type_: type[Any], what: str) -> Any:
    try:
        return msgspec.json.decode(content, type=type_)
    except msgspec.MsgspecError:
        raise FatalError(f"amazon {what}: the response is not understood") from None


def _listing_path(seller: str, sku: str) -> str:
    return f"{LISTINGS}/{quote(seller, safe='')}/{quote(sku, safe='')}"


def _reason(submission: _Submission) -> str:
    codes = [i.code for i in submission.issues if i.code and i.severity in (None, "ERROR")]
    return f"amazon {submission.status}" + (f": issues {', '.join(codes)}" if codes else "")


async def patch_one(api: SpApi, figure: StockFigure) -> StockPushResult:
    """One figure by patchListingsItem; INVALID (or a 400/404/422 answer) rejects it."""
    sku = seller_sku(figure)
    body = {"productType": PRODUCT_TYPE, "patches": availability_patch(figure.quantity)}
    params = {"marketplaceIds": marketplace_id(api.settings, "push stock")}
    try:
        response = await api.call(
            "patchListingsItem",
            "PATCH",
            _listing_path(seller_id(api.settings), sku),
            params=params,
            json=body,
        )
    except FatalError as exc:
        status = status_of(exc)
        if status not in REFUSED:
            raise
        return StockPushResult(rejected={figure.sku: f"amazon answered {status}"})
    submission: _Submission = _decode(response.content, _Submission, "patchListingsItem")
    if submission.status == "ACCEPTED":
        return StockPushResult()
    return StockPushResult(rejected={figure.sku: _reason(submission)})


async def submit_feed(api: SpApi, figures: list[StockFigure]) -> str:
    """Figures in one JSON_LISTINGS_FEED; returns Amazon's feed id."""
    marketplace = marketplace_id(api.settings, "push stock")
    document = msgspec.json.encode(feed_document(seller_id(api.settings), figures))
    created = await api.call(
        "createFeedDocument", "POST", FEED_DOCUMENTS, json={"contentType": FEED_CONTENT_TYPE}
    )
    target: _FeedDocument = _decode(created.content, _FeedDocument, "createFeedDocument")
    # the pre-signed URL carries its own authorisation: no access token goes there
    await api.http.request(
        "PUT", target.url, content=document, headers={"content-type": FEED_CONTENT_TYPE}
    )
    submitted = await api.call(
        "createFeed",
        "POST",
        FEEDS,
        json={
            "feedType": FEED_TYPE,
            "marketplaceIds": [marketplace],
            "inputFeedDocumentId": target.feedDocumentId,
        },
    )
    feed: _Feed = _decode(submitted.content, _Feed, "createFeed")
    return feed.feedId


async def push(api: SpApi, figures: list[StockFigure]) -> StockPushResult:
    if not figures:
        return StockPushResult()
    if len(figures) == 1:
        return await patch_one(api, figures[0])
    for start in range(0, len(figures), FEED_MAX_MESSAGES):
        await submit_feed(api, figures[start : start + FEED_MAX_MESSAGES])
    return StockPushResult()


async def read(api: SpApi, figures: list[StockFigure]) -> dict[str, int]:
    """The DEFAULT channel quantity of each figure's listing; unknown listings left out."""
    seller = seller_id(api.settings)
    params = {
        "marketplaceIds": marketplace_id(api.settings, "read stock"),
        "includedData": "fulfillmentAvailability",
    }
    found: dict[str, int] = {}
    for figure in figures:
        try:
            response = await api.call(
                "getListingsItem", "GET", _listing_path(seller, seller_sku(figure)), params=params
            )
        except FatalError as exc:
            if status_of(exc) == 404:
                continue
            raise
        item: _Item = _decode(response.content, _Item, "getListingsItem")
        for availability in item.fulfillmentAvailability:
            if availability.fulfillmentChannelCode == "DEFAULT":
                found[figure.sku] = availability.quantity or 0
    return found
