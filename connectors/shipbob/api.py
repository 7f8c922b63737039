"""The ShipBob Orders API calls the connector makes, through ``PartnerHttp``.

Every call sends ``Authorization: Bearer <access_token>`` and, when set, the
``shipbob_channel_id`` header. 429 (with ``x-retry-after``), 5xx and timeouts are retried by
``PartnerHttp``; other 4xx are ``FatalError`` (with the status code, never the body).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import msgspec

from connectors.shipbob import wire
from connectors.shipbob.settings import ShipBobSettings, base_url, headers
from hub.sdk import Connection, PartnerHttp, RetriableError

#: ShipBob's largest page (the default is 50)
PAGE_LIMIT = 250
#: shipments marked per batchUpdateTrackingUpload call (no documented cap; kept to a page)
MARK_BATCH = 250


class Api:
    """One connection's view of the API: its base URL, headers and HTTP helper."""

    def __init__(self, connection: Connection, settings: ShipBobSettings, http: PartnerHttp):
        self.base = base_url(connection, settings)
        self.headers = headers(connection, settings)
        self.http = http

    async def create_order(self, body: dict[str, Any]) -> wire.Order:
        """``POST /order``: the created order (201)."""
        response = await self.http.post(
            f"{self.base}/order",
            headers={**self.headers, "Content-Type": "application/json"},
            content=wire.encode(body),
        )
        return _decode(response, wire.Order, "POST /order")

    async def orders_by_reference(self, reference_id: str) -> list[wire.Order]:
        """``GET /order?ReferenceIds=<id>``: the orders created with that reference."""
        response = await self.http.get(
            f"{self.base}/order", headers=self.headers, params={"ReferenceIds": reference_id}
        )
        return _decode(response, list[wire.Order], "GET /order")

    async def cancel_order(self, order_id: str) -> dict[str, Any]:
        """``POST /order/{id}:cancel``: ``{order_id, status, canceled_shipment_results}``."""
        response = await self.http.post(
            f"{self.base}/order/{quote(order_id, safe='')}:cancel", headers=self.headers
        )
        return _decode(response, dict[str, Any], "POST /order/{id}:cancel")

    async def untracked_orders(self, page: int) -> tuple[list[wire.Order], bool]:
        """One page of orders with tracking not yet marked uploaded, and whether another
        page follows (``next-page`` header, or ``total-pages`` beyond this one)."""
        response = await self.http.get(
            f"{self.base}/order",
            headers=self.headers,
            params={
                "HasTracking": "true",
                "IsTrackingUploaded": "false",
                "Page": str(page),
                "Limit": str(PAGE_LIMIT),
            },
        )
        orders = _decode(response, list[wire.Order], "GET /order")
        return orders, _has_next_page(response, page)

    async def mark_tracking_uploaded(self, shipment_ids: list[int]) -> None:
        """``POST /shipment:batchUpdateTrackingUpload``, so polling stops returning them."""
        for start in range(0, len(shipment_ids), MARK_BATCH):
            await self.http.post(
                f"{self.base}/shipment:batchUpdateTrackingUpload",
                headers={**self.headers, "Content-Type": "application/json"},
                content=wire.encode(
                    {
                        "shipment_ids": shipment_ids[start : start + MARK_BATCH],
                        "is_tracking_uploaded": True,
                    }
                ),
            )


def _has_next_page(response: httpx.Response, page: int) -> bool:
    if response.headers.get("next-page"):
        return True
    try:
        return int(response.headers.get("total-pages", "0")) > page
    except ValueError:
        return False


def _decode(response: httpx.Response, kind: Any, what: str) -> Any:
    try:
        return msgspec.json.decode(response.content, type=kind)
    except msgspec.MsgspecError:
        # a 2xx we cannot read: most likely a proxy's page; try again later
        raise RetriableError(f"{what}: the answer is not what ShipBob sends") from None
