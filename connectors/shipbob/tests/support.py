"""Test support: the fixtures, a connection, and a small in-memory ShipBob behind respx.

``FakeShipBob`` answers the four Orders API calls the connector makes the way ShipBob does
(201 with the Order view model, 422 on a duplicate ``reference_id``, a JSON array of orders
with ``page-number``/``total-pages``/``next-page`` headers, the cancel result), keeping its
orders in a dict keyed by ``reference_id``. Only the partner's HTTP side is faked.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import msgspec
import respx

from hub.sdk import Connection, FulfilmentRequest, WebhookRequest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BASE = "https://api.shipbob.com/2025-07"
TOKEN = "pat-test-shipbob-token-0000"
SHIPPED_BODY = (FIXTURES / "order_shipped_webhook.json").read_bytes()
SIGNED: dict[str, Any] = json.loads((FIXTURES / "order_shipped_webhook.headers.json").read_bytes())
SIGNED_AT = int(SIGNED["headers"]["webhook-timestamp"])


def connection(**settings: Any) -> Connection:
    return Connection(
        code="shipbob-main",
        connector="shipbob",
        settings={
            "channel_id": "100102",
            "shipping_method_map": {"expedited": "2-Day"},
            **settings,
        },
        secrets={"access_token": TOKEN, "webhook_secret": SIGNED["secret"]},
    )


def fulfilment_request() -> FulfilmentRequest:
    return msgspec.json.decode(
        (FIXTURES / "fulfilment_request.json").read_bytes(), type=FulfilmentRequest
    )


def shipped_request() -> WebhookRequest:
    """The shared ``order.shipped`` delivery, with the headers ShipBob signed it with."""
    return WebhookRequest(
        url="https://oms.example.com/webhooks/shipbob-main",
        headers={k.lower(): v for k, v in SIGNED["headers"].items()},
        body=SHIPPED_BODY,
    )


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_bytes())


class FakeShipBob:
    """ShipBob's orders, keyed by reference_id, and every request it was sent."""

    def __init__(self, *, page_size: int = 250) -> None:
        self.orders: dict[str, dict[str, Any]] = {}
        self.requests: list[httpx.Request] = []
        self.marked: list[int] = []
        self.page_size = page_size
        self.next_id = 381234567
        #: called after a create is stored, before answering (raise to lose the answer)
        self.after_create: Callable[[httpx.Request], None] | None = None
        #: the cancel answer for an order, by its id (default: Success)
        self.cancel_answer: Callable[[dict[str, Any]], httpx.Response] | None = None

    def install(self, router: respx.MockRouter) -> None:
        router.post(f"{BASE}/order").mock(side_effect=self._create)
        router.get(f"{BASE}/order").mock(side_effect=self._list)
        router.post(url__regex=rf"^{BASE}/order/[^/]+:cancel$").mock(side_effect=self._cancel)
        router.post(f"{BASE}/shipment:batchUpdateTrackingUpload").mock(side_effect=self._mark)

    def add(self, order: dict[str, Any]) -> None:
        self.orders[order["reference_id"]] = order

    def _create(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        body = json.loads(request.content)
        if body["reference_id"] in self.orders:
            return httpx.Response(
                422, json={"reference_id": ["An order with this reference_id already exists"]}
            )
        self.next_id += 1
        order = {**body, "id": self.next_id, "status": "Processing", "shipments": []}
        self.orders[body["reference_id"]] = order
        if self.after_create is not None:
            self.after_create(request)
        return httpx.Response(201, json=order)

    def _list(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        params = request.url.params
        found = list(self.orders.values())
        if "ReferenceIds" in params:
            wanted = set(params["ReferenceIds"].split(","))
            found = [o for o in found if o["reference_id"] in wanted]
        if params.get("HasTracking") == "true":
            found = [o for o in found if any(_tracked(s) for s in o["shipments"])]
        if params.get("IsTrackingUploaded") == "false":
            found = [
                o
                for o in found
                if not all(s.get("is_tracking_uploaded") for s in o["shipments"] if _tracked(s))
            ]
        limit = int(params.get("Limit", "50"))
        page = int(params.get("Page", "1"))
        pages = max(1, -(-len(found) // min(limit, self.page_size)))
        size = min(limit, self.page_size)
        headers = {"page-number": str(page), "total-pages": str(pages)}
        if page < pages:
            headers["next-page"] = str(request.url.copy_set_param("Page", str(page + 1)))
        return httpx.Response(200, json=found[(page - 1) * size : page * size], headers=headers)

    def _cancel(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        order_id = int(request.url.path.rsplit("/", 1)[1].removesuffix(":cancel"))
        order = next(o for o in self.orders.values() if o["id"] == order_id)
        if self.cancel_answer is not None:
            return self.cancel_answer(order)
        order["status"] = "Cancelled"
        return httpx.Response(
            200, json={"order_id": order_id, "status": "Success", "canceled_shipment_results": []}
        )

    def _mark(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        body = json.loads(request.content)
        for order in self.orders.values():
            for shipment in order["shipments"]:
                if shipment["id"] in body["shipment_ids"]:
                    shipment["is_tracking_uploaded"] = body["is_tracking_uploaded"]
        self.marked += body["shipment_ids"]
        return httpx.Response(200, json={})


def _tracked(shipment: dict[str, Any]) -> bool:
    return bool((shipment.get("tracking") or {}).get("tracking_number"))
