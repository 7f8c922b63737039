"""A fake SP-API and LWA at the partner's edge (respx), answering with the fixtures.

getOrders pages and getOrderItems pages are chosen by their NextToken; the API accepts only
access tokens LWA has issued and not revoked, and ``failures`` are answered first.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import respx

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BASE = "https://sellingpartnerapi-na.amazon.com"
HOST = "sellingpartnerapi-na.amazon.com"
LWA_URL = "https://api.amazon.com/auth/o2/token"
UNSHIPPED = "113-4827719-5529032"
CANCELED = "112-9034456-7781024"
PENDING = "114-2209871-6650318"
ORDERS_NEXT = "2YgYW55IGNhcm5hbCBwbGVhc3VyZS4gVGhpcyBpcyBhIHNhbXBsZSB0b2tlbg=="
ITEMS_NEXT = "MRgZW55IGNhcm5hbCBpdGVtcyBwYWdlIDI="
SECRETS = {
    "refresh_token": "Atzr|IQEBLzAtAhRTEST-REFRESH-TOKEN-do-not-leak",
    "client_id": "amzn1.application-oa2-client.test0client0id",
    "client_secret": "amzn1.oa2-cs.v1.TEST-CLIENT-SECRET-do-not-leak",
}


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str) -> Any:
    return json.loads(fixture(name))


class FakeAmazon:
    """Routes on ``router``; ``requests`` records (path, query) of every API call."""

    orders_pages = {None: "getorders.json", ORDERS_NEXT: "getorders_page2.json"}
    items_pages = {
        (UNSHIPPED, None): "getorderitems_page1.json",
        (UNSHIPPED, ITEMS_NEXT): "getorderitems_page2.json",
        (CANCELED, None): "getorderitems_canceled.json",
    }

    def __init__(self, router: respx.MockRouter) -> None:
        self.issued: list[str] = []
        self.valid: set[str] = set()
        self.token_forms: list[dict[str, str]] = []
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.failures: list[httpx.Response] = []
        self.rate_header: str | None = None
        self.lwa = router.post(LWA_URL).mock(side_effect=self._token)
        self.api = router.route(host=HOST).mock(side_effect=self._api)

    def revoke_all(self) -> None:
        self.valid.clear()

    def calls(self, path_part: str) -> list[dict[str, str]]:
        return [query for path, query in self.requests if path_part in path]

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        self.token_forms.append(form)
        token = f"Atza|TEST-ACCESS-TOKEN-{len(self.issued) + 1}"
        self.issued.append(token)
        self.valid.add(token)
        body = fixture_json("lwa_token.json") | {"access_token": token}
        return httpx.Response(200, json=body)

    def _api(self, request: httpx.Request) -> httpx.Response:
        query = dict(request.url.params)
        path = request.url.path
        self.requests.append((path, query))
        if self.failures:
            return self.failures.pop(0)
        if request.headers.get("x-amz-access-token") not in self.valid:
            return httpx.Response(403, json={"errors": [{"code": "Unauthorized"}]})
        headers = {"x-amzn-RateLimit-Limit": self.rate_header} if self.rate_header else {}
        token = query.get("NextToken")
        if path == "/orders/v0/orders":
            return httpx.Response(200, content=fixture(self.orders_pages[token]), headers=headers)
        order_id = path.split("/")[4]
        return httpx.Response(
            200, content=fixture(self.items_pages[(order_id, token)]), headers=headers
        )
