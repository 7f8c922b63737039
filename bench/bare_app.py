"""The bare baseline for ``bench/ingest.py``: the HTTP + decode floor, without the hub.

A litestar app whose ``POST /orders`` decodes the body into msgspec Structs of the same shape
and constraints as the hub's ``OrderData`` (defined here, independent of ``src/``) and answers
201 with a small JSON body. No auth, no database. Serve it as the hub is served::

    python -m uvicorn --app-dir bench bare_app:app --port 8001 --no-access-log
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from litestar import Litestar, Response, get, post
from msgspec import Meta, Struct

Money = Annotated[int, Meta(ge=0, le=10**15)]
Quantity = Annotated[int, Meta(ge=1, le=1_000_000)]
Text = Annotated[str, Meta(max_length=500)]
ShortText = Annotated[str, Meta(max_length=200)]
Phone = Annotated[str, Meta(max_length=50)]
CountryCode = Annotated[str, Meta(pattern="^[A-Z]{2}$")]
CurrencyCode = Annotated[str, Meta(pattern="^[A-Z]{3}$")]
ChannelCode = Annotated[str, Meta(pattern="^[a-z0-9][a-z0-9_-]{0,63}$")]
UtcDatetime = Annotated[datetime, Meta(tz=True)]
PaymentStatus = Literal[
    "pending", "authorized", "paid", "partially_refunded", "refunded", "voided", "failed"
]


class Customer(Struct, frozen=True, kw_only=True):
    name: ShortText | None = None
    email: ShortText | None = None
    phone: Phone | None = None


class Address(Struct, frozen=True, kw_only=True):
    name: ShortText | None = None
    company: ShortText | None = None
    line1: Text
    line2: Text | None = None
    city: ShortText
    region: ShortText | None = None
    postal_code: Annotated[str, Meta(max_length=20)] | None = None
    country: CountryCode
    phone: Phone | None = None


class Line(Struct, frozen=True, kw_only=True):
    line_id: ShortText | None = None
    sku: Annotated[str, Meta(min_length=1, max_length=100)]
    name: Text | None = None
    quantity: Quantity
    unit_price: Money
    discount: Money = 0
    tax: Money = 0


class Shipping(Struct, frozen=True, kw_only=True):
    method: ShortText | None = None
    price: Money = 0
    discount: Money = 0
    tax: Money = 0


class Totals(Struct, frozen=True, kw_only=True):
    subtotal: Money
    discount: Money = 0
    shipping: Money = 0
    tax: Money = 0
    tax_included: bool = False
    total: Money


class Payment(Struct, frozen=True, kw_only=True):
    status: PaymentStatus = "pending"


class OrderData(Struct, frozen=True, kw_only=True):
    channel: ChannelCode | None = None
    external_id: ShortText | None = None
    external_number: ShortText | None = None
    placed_at: UtcDatetime | None = None
    currency: CurrencyCode
    customer: Customer = Customer()
    shipping_address: Address | None = None
    billing_address: Address | None = None
    lines: Annotated[list[Line], Meta(min_length=1, max_length=500)]
    shipping: Shipping = Shipping()
    totals: Totals
    payment: Payment = Payment()
    tags: Annotated[list[ShortText], Meta(max_length=50)] = []
    note: Annotated[str, Meta(max_length=5000)] | None = None


class Created(Struct):
    external_id: str | None


class Health(Struct):
    status: str


@get("/health")
async def health() -> Health:
    return Health(status="ok")


@post("/orders")
async def create_order(data: OrderData) -> Response[Created]:
    return Response(Created(external_id=data.external_id), status_code=201)


app = Litestar(route_handlers=[health, create_order])

__all__ = ["OrderData", "app"]
