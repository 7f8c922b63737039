"""The two Square calls behind one notification: RetrieveOrder and BatchRetrieveCatalogObjects;
the headers and answer decoding the stock and shipment calls share.

Both send the seller's access token as a bearer token and the ``Square-Version`` the
connector was written against. Retries (429 RATE_LIMITED, 5xx, timeouts) and fatal 4xx are
``PartnerHttp``'s.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import msgspec

from connectors.square.settings import SquareSettings, access_token, base_url
from hub.sdk import Connection, PartnerHttp, RetriableError

CATALOG_PATH = "/v2/catalog/batch-retrieve"


def headers(connection: Connection, settings: SquareSettings) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {access_token(connection)}",
        "Square-Version": settings.square_version,
        "Accept": "application/json",
    }


def decode(content: bytes, what: str) -> dict[str, Any]:
    try:
        value = msgspec.json.decode(content)
    except msgspec.DecodeError:
        raise RetriableError(f"{what}: the answer is not JSON") from None
    if not isinstance(value, dict):
        raise RetriableError(f"{what}: the answer is not a JSON object")
    return value


async def retrieve_order(
    http: PartnerHttp, connection: Connection, settings: SquareSettings, order_id: str
) -> dict[str, Any]:
    """``GET /v2/orders/{order_id}``: the order (the response's ``order``)."""
    path = f"/v2/orders/{quote(order_id, safe='')}"
    response = await http.get(base_url(connection) + path, headers=headers(connection, settings))
    order = decode(response.content, "GET /v2/orders/{order_id}").get("order")
    if not isinstance(order, dict):  # a 2xx that is not Square's answer (a proxy?): later
        raise RetriableError("GET /v2/orders/{order_id}: the answer holds no order")
    return order


async def batch_retrieve_catalog(
    http: PartnerHttp, connection: Connection, settings: SquareSettings, object_ids: list[str]
) -> dict[str, Any]:
    """``POST /v2/catalog/batch-retrieve``: the response, with the objects Square found."""
    response = await http.post(
        base_url(connection) + CATALOG_PATH,
        headers=headers(connection, settings),
        json={"object_ids": object_ids, "include_related_objects": False},
    )
    return decode(response.content, f"POST {CATALOG_PATH}")
