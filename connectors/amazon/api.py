"""SP-API calls: the two Orders v0 calls a poll makes (getOrders, one page; getOrderItems, all
pages), and ``call`` for any other operation (listings, feeds, shipment confirmation).

Each call waits for its operation's token bucket and sends the LWA token in
``x-amz-access-token``. When the API refuses a cached token (401 or 403: it expired early or
was revoked), the token is refreshed once and the call tried again; a refusal of a token
fresh from LWA is fatal at once (the app lacks a role or the seller's authorisation).
Retries on 429/5xx (with Retry-After) are ``PartnerHttp``'s.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import httpx
import msgspec

from connectors.amazon.auth import LwaTokens
from connectors.amazon.ratelimit import RateLimiter
from connectors.amazon.settings import AmazonSettings, base_url
from hub.sdk import Connection, FatalError, PartnerHttp

TOKEN_HEADER = "x-amz-access-token"  # noqa: S105 - a header name
RATE_HEADER = "x-amzn-RateLimit-Limit"
_STATUS = re.compile(r"answered (\d{3})\b")


def status_of(exc: FatalError) -> int | None:
    """The partner's status behind a FatalError from PartnerHttp, if it names one."""
    found = getattr(exc, "status_code", None)
    if isinstance(found, int):
        return found
    match = _STATUS.search(str(exc))
    return int(match.group(1)) if match else None


class OrdersPage(msgspec.Struct):
    Orders: list[dict[str, Any]] = []
    NextToken: str | None = None


class ItemsPage(msgspec.Struct):
    OrderItems: list[dict[str, Any]] = []
    NextToken: str | None = None


class _Envelope(msgspec.Struct):
    payload: Any = None


def _decode(response: httpx.Response, type_: type[Any], what: str) -> Any:
    try:
        envelope = msgspec.json.decode(response.content, type=_Envelope)
        return msgspec.convert(envelope.payload or {}, type_)
    except msgspec.MsgspecError:
        raise FatalError(f"amazon {what}: the response is not understood") from None


class SpApi:
    """SP-API calls for one connection, sharing the connector's token cache and buckets."""

    def __init__(
        self,
        connection: Connection,
        settings: AmazonSettings,
        http: PartnerHttp,
        tokens: LwaTokens,
        limiter: RateLimiter,
    ) -> None:
        self.connection = connection
        self.settings = settings
        self.http = http
        self.tokens = tokens
        self.limiter = limiter
        self.base = base_url(connection)

    async def _get(self, operation: str, path: str, params: dict[str, str]) -> httpx.Response:
        return await self.call(operation, "GET", path, params=params)

    async def call(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json: Any = None,
    ) -> httpx.Response:
        """One request of ``operation`` (its token bucket, the LWA token, one refresh of a
        refused cached token); ``json`` is sent as the body when given."""
        limit = self.settings.rate_limit(operation)
        code = self.connection.code
        lwa_url = self.settings.lwa_url
        token, cached = await self.tokens.token(self.connection, self.http, lwa_url)
        while True:
            await self.limiter.acquire(code, operation, limit, max_wait=self.http.max_wait)
            try:
                extra: dict[str, Any] = {} if json is None else {"json": json}
                response = await self.http.request(
                    method,
                    self.base + path,
                    params=params or {},
                    headers={TOKEN_HEADER: token},
                    **extra,
                )
            except FatalError as exc:
                if not (cached and status_of(exc) in (401, 403)):
                    raise
                # a cached token that expired early or was revoked: one fresh token, one retry
                token = await self.tokens.refresh(self.connection, self.http, lwa_url)
                cached = False
                continue
            if operation not in self.settings.rate_limits:
                self.limiter.observe(code, operation, response.headers.get(RATE_HEADER))
            return response

    async def get_orders(self, params: dict[str, str]) -> OrdersPage:
        response = await self._get("getOrders", "/orders/v0/orders", params)
        return _decode(response, OrdersPage, "getOrders")

    async def get_order_items(self, order_id: str) -> list[dict[str, Any]]:
        """Every item of one order, following NextToken."""
        path = f"/orders/v0/orders/{quote(order_id, safe='')}/orderItems"
        items: list[dict[str, Any]] = []
        params: dict[str, str] = {}
        while True:
            response = await self._get("getOrderItems", path, params)
            page: ItemsPage = _decode(response, ItemsPage, "getOrderItems")
            items.extend(page.OrderItems)
            if not page.NextToken:
                return items
            params = {"NextToken": page.NextToken}
