"""A fake SP-API, Tokens API and LWA at the partner's edge (respx), answering with the fixtures.

getOrders pages and getOrderItems pages are chosen by their NextToken; the API accepts only
access tokens LWA has issued and not revoked, and ``failures`` are answered first.

PII as the real SP-API guards it: called with the LWA token, getOrders and getOrderItems
answer without it (a ship-to of city, region, postal code and country; no BuyerInfo name or
e-mail; no item BuyerInfo). Called with a Restricted Data Token from
createRestrictedDataToken, they answer whole, for the data elements the RDT was made for; an
RDT that does not name the path, or was revoked, is refused with 403. Without the PII role
(``pii_role = False``) createRestrictedDataToken answers ``rdt_refusal`` (403 or 400).
"""

from __future__ import annotations

import json
import re
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
AFN_ORDER = "114-7713520-3312406"
ORDERS_NEXT = "2YgYW55IGNhcm5hbCBwbGVhc3VyZS4gVGhpcyBpcyBhIHNhbXBsZSB0b2tlbg=="
ITEMS_NEXT = "MRgZW55IGNhcm5hbCBpdGVtcyBwYWdlIDI="
TOKENS_PATH = "/tokens/2021-03-01/restrictedDataToken"
ITEMS_TEMPLATE = "/orders/v0/orders/{orderId}/orderItems"
#: what getOrders leaves of a ship-to without an RDT
PUBLIC_ADDRESS = ("City", "StateOrRegion", "PostalCode", "CountryCode")
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
        (AFN_ORDER, None): "getorderitems_afn.json",
    }

    def __init__(self, router: respx.MockRouter) -> None:
        self.issued: list[str] = []
        self.valid: set[str] = set()
        self.token_forms: list[dict[str, str]] = []
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.failures: list[httpx.Response] = []
        self.rate_header: str | None = None
        self.pii_role = True
        self.rdt_refusal = 403
        self.rdt_lifetime = 3600
        self.rdt_failures: list[httpx.Response] = []
        self.rdt_bodies: list[Any] = []  # the createRestrictedDataToken request bodies
        self.rdts: dict[str, list[dict[str, Any]]] = {}  # every RDT issued: its resources
        self.valid_rdts: set[str] = set()
        #: listFinancialEvents pages by NextToken
        self.finances: dict[str | None, Any] = {None: fixture_json("list_financial_events.json")}
        self.lwa = router.post(LWA_URL).mock(side_effect=self._token)
        self.tokens = router.post(BASE + TOKENS_PATH).mock(side_effect=self._rdt)
        self.api = router.route(host=HOST).mock(side_effect=self._api)

    def revoke_all(self) -> None:
        self.valid.clear()

    def revoke_rdts(self) -> None:
        self.valid_rdts.clear()

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

    def _rdt(self, request: httpx.Request) -> httpx.Response:
        """createRestrictedDataToken: for the LWA token, when the app has the PII role."""
        if self.rdt_failures:
            return self.rdt_failures.pop(0)
        if request.headers.get("x-amz-access-token") not in self.valid:
            return httpx.Response(403, json={"errors": [{"code": "Unauthorized"}]})
        body = json.loads(request.content)
        self.rdt_bodies.append(body)
        if not self.pii_role:
            code = "InvalidInput" if self.rdt_refusal == 400 else "Unauthorized"
            return httpx.Response(self.rdt_refusal, json={"errors": [{"code": code}]})
        token = f"Atz.sprdt|TEST-RDT-{len(self.rdts) + 1}"
        self.rdts[token] = body["restrictedResources"]
        self.valid_rdts.add(token)
        return httpx.Response(
            200, json={"restrictedDataToken": token, "expiresIn": self.rdt_lifetime}
        )

    def _elements(self, token: str | None, path: str) -> set[str] | None:
        """The PII ``token`` opens at ``path`` (none for the LWA token); None: refused."""
        if token in self.valid:
            return set()
        if token not in self.valid_rdts:
            return None
        for resource in self.rdts[token]:
            if resource["method"] == "GET" and _opens(resource["path"], path):
                return set(resource.get("dataElements", []))
        return None

    def _api(self, request: httpx.Request) -> httpx.Response:
        query = dict(request.url.params)
        path = request.url.path
        self.requests.append((path, query))
        if self.failures:
            return self.failures.pop(0)
        elements = self._elements(request.headers.get("x-amz-access-token"), path)
        if elements is None:
            return httpx.Response(403, json={"errors": [{"code": "Unauthorized"}]})
        headers = {"x-amzn-RateLimit-Limit": self.rate_header} if self.rate_header else {}
        token = query.get("NextToken")
        if path == "/finances/v0/financialEvents":
            return httpx.Response(200, json=self.finances[token], headers=headers)
        if path == "/orders/v0/orders":
            page = fixture_json(self.orders_pages[token])
            for order in page["payload"]["Orders"]:
                _guard_order(order, elements)
            return httpx.Response(200, json=page, headers=headers)
        order_id = path.split("/")[4]
        items = fixture_json(self.items_pages[(order_id, token)])
        if "buyerInfo" not in elements:
            for item in items["payload"]["OrderItems"]:
                item.pop("BuyerInfo", None)
        return httpx.Response(200, json=items, headers=headers)


def _opens(resource_path: str, path: str) -> bool:
    """Whether an RDT's resource path authorises ``path`` (``{orderId}``: any order)."""
    pattern = re.escape(resource_path).replace(re.escape("{orderId}"), "[^/]+")
    return re.fullmatch(pattern, path) is not None


def _guard_order(order: dict[str, Any], elements: set[str]) -> None:
    """Take out of ``order`` the PII that ``elements`` do not open."""
    if "shippingAddress" not in elements and "ShippingAddress" in order:
        address = order["ShippingAddress"]
        order["ShippingAddress"] = {k: address[k] for k in PUBLIC_ADDRESS if k in address}
    if "buyerInfo" not in elements and "BuyerInfo" in order:
        for key in ("BuyerName", "BuyerEmail"):
            order["BuyerInfo"].pop(key, None)
