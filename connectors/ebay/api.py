"""The one eBay call the connector makes: a page of getOrders (Sell Fulfillment API v1).

``GET {base_url}/sell/fulfillment/v1/order?filter=lastmodifieddate:[since..until]&limit&offset``
with the seller's OAuth user token (scope ``sell.fulfillment``) as a bearer token. The
brackets in the filter go percent-encoded, as eBay requires. Retries (429 with Retry-After,
5xx, timeouts) and fatal 4xx are ``PartnerHttp``'s.
"""

from __future__ import annotations

from typing import Any

import msgspec

from connectors.ebay.cursor import Window
from connectors.ebay.settings import access_token, base_url
from hub.sdk import Connection, PartnerHttp, RetriableError

ORDERS_PATH = "/sell/fulfillment/v1/order"


class OrdersPage(msgspec.Struct, frozen=True, kw_only=True):
    """An ``OrderSearchPagedCollection``: the fields paging needs, and the orders as sent."""

    total: int | None = None
    offset: int | None = None
    limit: int | None = None
    next: str | None = None
    orders: list[dict[str, Any]] = []


async def get_orders(
    http: PartnerHttp, connection: Connection, page: Window, *, limit: int
) -> OrdersPage:
    """One page of the orders modified in ``page``'s window, from ``page.offset``."""
    response = await http.get(
        base_url(connection) + ORDERS_PATH,
        params={"filter": page.filter, "limit": str(limit), "offset": str(page.offset)},
        headers={
            "Authorization": f"Bearer {access_token(connection)}",
            "Accept": "application/json",
        },
    )
    try:
        found = msgspec.json.decode(response.content, type=OrdersPage)
    except msgspec.MsgspecError:
        found = None
    if found is None or found.total is None:
        # an unreadable 200 (a proxy's error page, an empty body): worth another try later,
        # never read as "no orders" (the cursor would move past them)
        raise RetriableError(f"GET {ORDERS_PATH}: the answer is not a getOrders page")
    return found
