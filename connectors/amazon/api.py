"""SP-API calls: the two Orders v0 calls a poll makes (getOrders, one page; getOrderItems, all
pages), and ``call`` for any other operation (listings, feeds, shipment confirmation).

Each call waits for its operation's token bucket and sends the LWA token in
``x-amz-access-token``; a poll's getOrders and getOrderItems send a Restricted Data Token
instead (``rdt.py``), so that Amazon includes the buyer's name, address and phone. When
createRestrictedDataToken is refused (the app lacks the PII role), they go with the LWA token
and ``withheld`` says why. When the API refuses a cached token (401 or 403: it expired early
or was revoked), that token (LWA or RDT) is dropped, a new one fetched once and the call tried
again; a refusal of a token just fetched is fatal at once (the app lacks a role or the
seller's authorisation). Retries on 429/5xx (with Retry-After) are ``PartnerHttp``'s.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import httpx
import msgspec

from connectors.amazon import rdt
from connectors.amazon.auth import LwaTokens
from connectors.amazon.ratelimit import RateLimiter
from connectors.amazon.settings import AmazonSettings, base_url
from hub.sdk import Connection, FatalError, PartnerHttp, RetriableError

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
    """The answer's ``payload`` as ``type_``. An answer without one (an empty body, ``{}``:
    not what SP-API sends, most likely a proxy) is retriable, never read as "nothing"."""
    try:
        envelope = msgspec.json.decode(response.content, type=_Envelope)
    except msgspec.MsgspecError:
        raise RetriableError(f"amazon {what}: the answer is not SP-API's JSON") from None
    if envelope.payload is None:
        raise RetriableError(f"amazon {what}: the answer has no payload")
    try:
        return msgspec.convert(envelope.payload, type_)
    except msgspec.MsgspecError:
        raise FatalError(f"amazon {what}: the response is not understood") from None


class SpApi:
    """SP-API calls for one connection, sharing the connector's token caches and buckets."""

    def __init__(
        self,
        connection: Connection,
        settings: AmazonSettings,
        http: PartnerHttp,
        tokens: LwaTokens,
        limiter: RateLimiter,
        rdts: rdt.RdtCache | None = None,
    ) -> None:
        self.connection = connection
        self.settings = settings
        self.http = http
        self.tokens = tokens
        self.limiter = limiter
        self.rdts = rdts
        self.base = base_url(connection)
        #: what a poll's RDT is asked for
        self.resources = rdt.order_resources(settings.pii_data_elements)
        #: why the last restricted call went without an RDT (None: it had one)
        self.withheld: str | None = None

    async def _get(
        self, operation: str, path: str, params: dict[str, str], *, restricted: bool = False
    ) -> httpx.Response:
        return await self.call(operation, "GET", path, params=params, restricted=restricted)

    async def call(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json: Any = None,
        restricted: bool = False,
    ) -> httpx.Response:
        """One request of ``operation`` (its token bucket, the LWA token or with
        ``restricted`` the RDT, one renewal of a refused cached token); ``json`` is sent as
        the body when given."""
        limit = self.settings.rate_limit(operation)
        code = self.connection.code
        token, renewable, is_rdt = await self._credentials(restricted)
        while True:
            await self.limiter.acquire(
                code, operation, limit, max_wait=self.http.max_wait, shared=self.http.limits
            )
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
                if not (renewable and status_of(exc) in (401, 403)):
                    raise
                # a cached token that expired early or was revoked: one new token, one retry
                token = await self._renew(is_rdt)
                renewable = False
                continue
            if operation not in self.settings.rate_limits:
                self.limiter.observe(code, operation, response.headers.get(RATE_HEADER))
            return response

    async def _credentials(self, restricted: bool) -> tuple[str, bool, bool]:
        """The token to send, whether it came from a cache (worth one renewal if refused),
        and whether it is an RDT."""
        if restricted:
            grant, cached = await self._grant()
            if grant is not None and grant.token is not None:
                return grant.token, cached, True
        token, cached = await self.tokens.token(self.connection, self.http, self.settings.lwa_url)
        return token, cached, False

    async def _grant(self) -> tuple[rdt.Grant | None, bool]:
        """The cached RDT (or refusal) of this connection's resources, or a new one."""
        if self.rdts is None or not self.resources:
            self.withheld = rdt.NOT_ASKED
            return None, False
        grant = self.rdts.get(self.connection.code, self.resources)
        cached = grant is not None
        if grant is None:
            grant = await self._fetch_rdt(self.rdts)
        self.withheld = grant.withheld
        return grant, cached

    async def _fetch_rdt(self, rdts: rdt.RdtCache) -> rdt.Grant:
        """createRestrictedDataToken (with the LWA token); a refusal is kept as such."""
        code = self.connection.code
        try:
            response = await self.call(
                "createRestrictedDataToken",
                "POST",
                rdt.TOKENS_PATH,
                json=rdt.request_body(self.resources),
            )
        except FatalError as exc:
            status = status_of(exc)
            if status not in rdt.REFUSALS:
                raise
            return rdts.refuse(code, self.resources, rdt.refusal(self.resources, status))
        token, lifetime = rdt.parse(response)
        return rdts.keep(code, self.resources, token, lifetime)

    async def _renew(self, is_rdt: bool) -> str:
        """A new token in place of a refused one: a new RDT (or, if that is refused now, the
        LWA token: the call goes on without PII), or a new LWA token."""
        if is_rdt and self.rdts is not None:
            self.rdts.forget(self.connection.code, self.resources)
            grant = await self._fetch_rdt(self.rdts)
            self.withheld = grant.withheld
            if grant.token is not None:
                return grant.token
            token, _ = await self.tokens.token(self.connection, self.http, self.settings.lwa_url)
            return token
        return await self.tokens.refresh(self.connection, self.http, self.settings.lwa_url)

    async def get_payload(
        self, operation: str, path: str, params: dict[str, str], type_: type[Any]
    ) -> Any:
        """One GET of ``operation`` (LWA token), its ``payload`` as ``type_``."""
        return _decode(await self._get(operation, path, params), type_, operation)

    async def get_orders(self, params: dict[str, str]) -> OrdersPage:
        """One getOrders page, with the RDT when there is one (``withheld`` says if not)."""
        response = await self._get("getOrders", rdt.ORDERS_PATH, params, restricted=True)
        return _decode(response, OrdersPage, "getOrders")

    async def get_order_items(self, order_id: str, *, pii: bool = False) -> list[dict[str, Any]]:
        """Every item of one order, following NextToken; with ``pii`` through the RDT (item
        buyerInfo: gift wrap and customisation) when it covers getOrderItems."""
        path = f"/orders/v0/orders/{quote(order_id, safe='')}/orderItems"
        restricted = pii and rdt.covers(self.resources, rdt.ITEMS_PATH)
        items: list[dict[str, Any]] = []
        params: dict[str, str] = {}
        while True:
            response = await self._get("getOrderItems", path, params, restricted=restricted)
            page: ItemsPage = _decode(response, ItemsPage, "getOrderItems")
            items.extend(page.OrderItems)
            if not page.NextToken:
                return items
            params = {"NextToken": page.NextToken}
