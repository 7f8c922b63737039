"""A Shopify-shaped shop: it places orders as signed ``orders/create`` webhooks and answers
the GraphQL Admin API calls the shopify connector makes.

Orders are REST Order resources as Shopify's webhooks deliver them (the fields
``mappings/shopify_order.yaml`` reads), signed ``X-Shopify-Hmac-Sha256`` =
base64(HMAC-SHA256(secret, body)). GraphQL (``POST /admin/api/<version>/graphql.json``,
``X-Shopify-Access-Token``): ``inventorySetQuantities`` sets the shop's figures (the stock
pushes), ``order { fulfillmentOrders }`` and ``fulfillmentCreate`` take the hub's parcels,
``nodes`` reads figures back.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import re
import uuid
from datetime import UTC, datetime
from typing import Any

import msgspec

from hub.demo.narrate import Voice
from hub.demo.sandbox import Call, HubLine, Reply
from hub.demo.world import BUYERS, CATALOG, SHOP, Product

_GRAPHQL = re.compile(r"^/admin/api/[^/]+/graphql\.json$")
_VAT = 19  # percent, included in the prices
_SHIPPING = 490


def money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def vat_in(gross: int) -> int:
    """The VAT inside a gross amount, rounded half up, in cents."""
    return (gross * _VAT * 2 + 100 + _VAT) // (2 * (100 + _VAT))


def _tail(gid: str) -> int:
    return int(str(gid).rsplit("/", 1)[-1])


class _Placed(msgspec.Struct):
    number: str
    lines: dict[int, tuple[str, int]]  # line id -> (sku, quantity)
    remaining: dict[int, int]  # line id -> units not yet fulfilled
    tracking: list[str] = []


class Shop:
    """The shop's state: the orders it placed and the figures the hub pushed."""

    def __init__(self, secret: str, token: str, voice: Voice, seed: int | None = None) -> None:
        self.secret = secret
        self.token = token
        self.voice = voice
        self.rng = random.Random(seed)
        self.orders: dict[int, _Placed] = {}
        self.stock: dict[int, int] = {}  # inventory item id -> available
        self.stock_pushes = 0
        self._sku_of = {p.item_id: p.sku for p in CATALOG}

    # -- orders out ------------------------------------------------------------------

    def next_order(self) -> dict[str, Any]:
        """The next order, as the ``orders/create`` webhook carries it (paid, VAT included)."""
        n = len(self.orders) + 1
        order_id = 5_800_000_000_000 + n
        picks = self.rng.sample(CATALOG, self.rng.choice((1, 1, 2)))
        quantities = [self.rng.choice((1, 1, 2)) for _ in picks]
        lines = [
            _line(order_id * 10 + i, p, q)
            for i, (p, q) in enumerate(zip(picks, quantities, strict=True), 1)
        ]
        subtotal = sum(p.price * q for p, q in zip(picks, quantities, strict=True))
        tax = sum(vat_in(p.price * q) for p, q in zip(picks, quantities, strict=True))
        now = datetime.now(UTC).isoformat(timespec="seconds")
        self.orders[order_id] = _Placed(
            number=f"#{1000 + n}",
            lines={int(line["id"]): (str(line["sku"]), int(line["quantity"])) for line in lines},
            remaining={int(line["id"]): int(line["quantity"]) for line in lines},
        )
        return {
            "id": order_id,
            "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
            "name": f"#{1000 + n}",
            "order_number": 1000 + n,
            "created_at": now,
            "processed_at": now,
            "updated_at": now,
            "currency": "EUR",
            "financial_status": "paid",
            "fulfillment_status": None,
            "cancelled_at": None,
            "taxes_included": True,
            "total_tax": money(tax + vat_in(_SHIPPING)),
            "subtotal_price": money(subtotal),
            "total_price": money(subtotal + _SHIPPING),
            "total_discounts": "0.00",
            "note": None,
            "tags": "",
            **_buyer(self.rng.choice(BUYERS), 7_700_000_000_000 + n),
            "line_items": lines,
            "shipping_lines": [_shipping_line(order_id * 10)],
        }

    def signed(self, payload: dict[str, Any], topic: str) -> tuple[bytes, dict[str, str]]:
        body = msgspec.json.encode(payload)
        digest = hmac.new(self.secret.encode(), body, hashlib.sha256).digest()
        return body, {
            "X-Shopify-Topic": topic,
            "X-Shopify-Shop-Domain": "demo-shop.myshopify.com",
            "X-Shopify-API-Version": "2025-01",
            "X-Shopify-Webhook-Id": str(uuid.uuid4()),
            "X-Shopify-Event-Id": str(uuid.uuid4()),
            "X-Shopify-Triggered-At": datetime.now(UTC).isoformat(),
            "X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(),
        }

    async def place_order(self, hub: HubLine) -> None:
        payload = self.next_order()
        skus = ", ".join(f"{line['quantity']} x {line['sku']}" for line in payload["line_items"])
        self.voice.say(
            "shop", f"order {payload['name']} placed: {skus} ({payload['total_price']} EUR)"
        )
        body, headers = self.signed(payload, "orders/create")
        await hub.deliver(SHOP, body, headers)

    # -- GraphQL in -------------------------------------------------------------------

    async def handle(self, call: Call) -> Reply:
        if call.method != "POST" or not _GRAPHQL.match(call.path):
            return Reply(404, {"errors": "Not Found"})
        if call.headers.get("x-shopify-access-token") != self.token:
            return Reply(401, {"errors": "[API] Invalid API key or access token"})
        request = call.json() or {}
        query, variables = request.get("query", ""), request.get("variables") or {}
        if "inventorySetQuantities" in query:
            data = self._set_quantities(variables["input"])
        elif "fulfillmentCreate" in query:
            data = self._fulfillment_create(variables["fulfillment"])
        elif "fulfillmentOrders" in query:
            data = {"order": self._order(_tail(variables["id"]))}
        elif "nodes(" in query:
            data = {"nodes": [self._level(_tail(i)) for i in variables.get("ids", [])]}
        else:
            return Reply(
                200,
                {
                    "errors": [
                        {"message": "not in the sandbox", "extensions": {"code": "UNSUPPORTED"}}
                    ]
                },
            )
        return Reply(200, {"data": data})

    def _set_quantities(self, payload: dict[str, Any]) -> dict[str, Any]:
        figures = []
        for quantity in payload.get("quantities", []):
            item = _tail(quantity["inventoryItemId"])
            self.stock[item] = int(quantity["quantity"])
            figures.append(f"{self._sku_of.get(item, item)} = {quantity['quantity']}")
        self.stock_pushes += 1
        self.voice.say("shop", "stock set: " + ", ".join(figures))
        return {
            "inventorySetQuantities": {
                "inventoryAdjustmentGroup": {
                    "id": f"gid://shopify/InventoryAdjustmentGroup/{self.stock_pushes}"
                },
                "userErrors": [],
            }
        }

    def _order(self, order_id: int) -> dict[str, Any] | None:
        placed = self.orders.get(order_id)
        if placed is None:
            return None
        items = [
            {
                "id": f"gid://shopify/FulfillmentOrderLineItem/{line_id}",
                "sku": sku,
                "remainingQuantity": placed.remaining[line_id],
                "lineItem": {"id": f"gid://shopify/LineItem/{line_id}", "sku": sku},
            }
            for line_id, (sku, _) in placed.lines.items()
        ]
        open_ = any(placed.remaining.values())
        return {
            "id": f"gid://shopify/Order/{order_id}",
            "fulfillments": [{"trackingInfo": [{"number": n}]} for n in placed.tracking],
            "fulfillmentOrders": {
                "nodes": [
                    {
                        "id": f"gid://shopify/FulfillmentOrder/{order_id}",
                        "status": "OPEN" if open_ else "CLOSED",
                        "lineItems": {"nodes": items},
                    }
                ]
            },
        }

    def _fulfillment_create(self, fulfillment: dict[str, Any]) -> dict[str, Any]:
        errors = []
        for group in fulfillment.get("lineItemsByFulfillmentOrder", []):
            placed = self.orders.get(_tail(group["fulfillmentOrderId"]))
            if placed is None:
                errors.append({"field": ["fulfillment"], "message": "Fulfillment order not found"})
                continue
            for item in group.get("fulfillmentOrderLineItems", []):
                line_id = _tail(item["id"])
                placed.remaining[line_id] = max(
                    0, placed.remaining.get(line_id, 0) - item["quantity"]
                )
            number = (fulfillment.get("trackingInfo") or {}).get("number")
            if number:
                placed.tracking.append(number)
            self.voice.say("shop", f"order {placed.number} fulfilled, tracking {number}")
        return {
            "fulfillmentCreate": {
                "fulfillment": None
                if errors
                else {
                    "id": f"gid://shopify/Fulfillment/{uuid.uuid4().int % 10**10}",
                    "status": "SUCCESS",
                },
                "userErrors": errors,
            }
        }

    def _level(self, item: int) -> dict[str, Any] | None:
        if item not in self.stock:
            return None
        return {
            "id": f"gid://shopify/InventoryItem/{item}",
            "inventoryLevel": {"quantities": [{"name": "available", "quantity": self.stock[item]}]},
        }


def _line(line_id: int, product: Product, quantity: int) -> dict[str, Any]:
    tax = vat_in(product.price * quantity)
    return {
        "id": line_id,
        "admin_graphql_api_id": f"gid://shopify/LineItem/{line_id}",
        "sku": product.sku,
        "name": product.name,
        "title": product.name,
        "quantity": quantity,
        "price": money(product.price),
        "total_discount": "0.00",
        "discount_allocations": [],
        "requires_shipping": True,
        "tax_lines": [{"price": money(tax), "rate": 0.19, "title": "DE MwSt"}],
    }


def _buyer(buyer: tuple[str, str, str, str, str], customer_id: int) -> dict[str, Any]:
    """The order's buyer fields: email, customer and both addresses."""
    first, last, street, postal, city = buyer
    email = f"{first}.{last}@example.de".lower().replace("é", "e").replace("ü", "ue")
    address = {
        "first_name": first,
        "last_name": last,
        "name": f"{first} {last}",
        "company": None,
        "address1": street,
        "address2": None,
        "city": city,
        "zip": postal,
        "province": None,
        "province_code": None,
        "country": "Germany",
        "country_code": "DE",
        "phone": None,
    }
    customer = {"id": customer_id, "email": email, "first_name": first, "last_name": last}
    return {
        "email": email,
        "customer": {**customer, "phone": None},
        "shipping_address": address,
        "billing_address": address,
    }


def _shipping_line(line_id: int) -> dict[str, Any]:
    return {
        "id": line_id,
        "title": "DHL Paket",
        "code": "DHL_PAKET",
        "price": money(_SHIPPING),
        "discount_allocations": [],
        "tax_lines": [{"price": money(vat_in(_SHIPPING)), "rate": 0.19, "title": "DE MwSt"}],
    }
