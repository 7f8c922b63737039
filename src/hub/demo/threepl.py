"""A ShipBob-shaped 3PL: it takes the orders the shipbob connector creates and ships each
one a few seconds later, reporting it through a Standard Webhooks ``order.shipped``.

API (``{base}/<api_version>/...``, ``Authorization: Bearer``): ``POST /order`` (a duplicate
``reference_id`` is a 422, as ShipBob answers), ``GET /order?ReferenceIds=`` and the
shipment poll ``GET /order?HasTracking=true&IsTrackingUploaded=false``,
``POST /shipment:batchUpdateTrackingUpload`` and ``POST /order/<id>:cancel``. Webhooks are
signed ``webhook-signature: v1,<base64 HMAC-SHA256(key, id.timestamp.body)>``, key the
base64-decoded secret after ``whsec_``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import msgspec

from hub.demo.narrate import Voice
from hub.demo.sandbox import Call, HubLine, Reply
from hub.demo.world import THREEPL

#: the carrier the 3PL hands parcels to: (carrier, service, tracking number) -> None
Handover = Callable[[str, str, str], None]


def standard_signature(secret: str, message_id: str, timestamp: str, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


class ThreePL:
    """The 3PL's orders and its shipping clock."""

    def __init__(
        self, secret: str, token: str, voice: Voice, *, ship_after: float, handover: Handover
    ) -> None:
        self.secret = secret
        self.token = token
        self.voice = voice
        self.ship_after = ship_after
        self.handover = handover
        self.hub: HubLine | None = None
        self.orders: dict[int, dict[str, Any]] = {}
        self.tasks: set[asyncio.Task[None]] = set()

    async def handle(self, call: Call) -> Reply:
        if call.headers.get("authorization") != f"Bearer {self.token}":
            return Reply(401, {"message": "Unauthorized"})
        _, _, path = call.path.lstrip("/").partition("/")  # after the API version
        if call.method == "POST" and path == "order":
            return self._create(call.json() or {})
        if call.method == "GET" and path == "order":
            return Reply(200, self._find(call.query))
        if call.method == "POST" and path == "shipment:batchUpdateTrackingUpload":
            return self._mark((call.json() or {}).get("shipment_ids", []))
        if call.method == "POST" and path.startswith("order/") and path.endswith(":cancel"):
            return self._cancel(path.removeprefix("order/").removesuffix(":cancel"))
        return Reply(404, {"message": "Not Found"})

    def _create(self, body: dict[str, Any]) -> Reply:
        reference = body.get("reference_id")
        if any(o["reference_id"] == reference for o in self.orders.values()):
            return Reply(422, {"reference_id": ["Duplicate reference ID"]})
        order_id = 381_000_000 + len(self.orders) + 1
        order = {
            **body,
            "id": order_id,
            "status": "Processing",
            "shipments": [],
            "created_date": datetime.now(UTC).isoformat(),
        }
        self.orders[order_id] = order
        self.voice.say("3pl", f"ShipBob order {order_id} for {body.get('order_number')} taken")
        task = asyncio.create_task(self._ship_later(order_id))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return Reply(201, order)

    def _find(self, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        if "ReferenceIds" in query:
            wanted = set(query["ReferenceIds"])
            return [o for o in self.orders.values() if o["reference_id"] in wanted]
        return [
            o
            for o in self.orders.values()
            if any(not s["is_tracking_uploaded"] for s in o["shipments"])
        ]

    def _mark(self, shipment_ids: list[int]) -> Reply:
        for order in self.orders.values():
            for shipment in order["shipments"]:
                if shipment["id"] in shipment_ids:
                    shipment["is_tracking_uploaded"] = True
        return Reply(200, {})

    def _cancel(self, order_id: str) -> Reply:
        order = self.orders.get(int(order_id)) if order_id.isdigit() else None
        if order is None:
            return Reply(404, {"message": "Not Found"})
        if order["shipments"]:
            return Reply(
                200, {"order_id": order["id"], "status": "Failure", "canceled_shipment_results": []}
            )
        order["status"] = "Cancelled"
        self.voice.say("3pl", f"ShipBob order {order_id} cancelled")
        return Reply(
            200, {"order_id": order["id"], "status": "Success", "canceled_shipment_results": []}
        )

    async def _ship_later(self, order_id: int) -> None:
        await asyncio.sleep(self.ship_after)
        if self.orders[order_id]["status"] == "Cancelled" or self.hub is None:
            return
        order, number = self.ship(order_id)
        self.voice.say("3pl", f"ShipBob order {order_id} shipped: USPS {number}")
        await self.hub.deliver(THREEPL, *self.signed(order, "order.shipped"))
        self.handover("USPS", "Ground Advantage", number)

    def ship(self, order_id: int) -> tuple[dict[str, Any], str]:
        """Ship the whole order in one USPS parcel: the Order view model, the number."""
        order = self.orders[order_id]
        number = f"94001{order_id:017d}"
        now = datetime.now(UTC).isoformat()
        order["status"] = "Fulfilled"
        order["shipments"] = [
            {
                "id": 291_000_000 + len(self.orders) * 10 + 1,
                "order_id": order_id,
                "reference_id": order["reference_id"],
                "status": "Completed",
                "status_details": [{"name": "Shipped"}],
                "is_tracking_uploaded": False,
                "actual_fulfillment_date": now,
                "tracking": {
                    "carrier": "USPS",
                    "carrier_service": "Ground Advantage",
                    "tracking_number": number,
                    "shipping_date": now,
                    "tracking_url": f"https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
                },
                "products": [
                    {
                        "reference_id": p.get("reference_id"),
                        "sku": p.get("reference_id"),
                        "name": p.get("name"),
                        "inventory_items": [{"quantity": p.get("quantity", 0)}],
                    }
                    for p in order.get("products", [])
                ],
            }
        ]
        return order, number

    def signed(self, payload: dict[str, Any], topic: str) -> tuple[bytes, dict[str, str]]:
        body = msgspec.json.encode(payload)
        message_id = f"msg_{uuid.uuid4().hex}"
        timestamp = str(int(time.time()))
        return body, {
            "webhook-id": message_id,
            "webhook-timestamp": timestamp,
            "webhook-signature": standard_signature(self.secret, message_id, timestamp, body),
            "x-webhook-topic": topic,
        }
