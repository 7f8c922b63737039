"""The canonical order: the contract every channel maps into and every integrator codes against.

Shape and field names are documented in docs/canonical-order.md. Money is integer
minor units of ``currency``; datetimes are timezone-aware and normalised to UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

import msgspec
import pycountry
from msgspec import Meta, Struct

from hub.domain.bounds import CODE, END, FreeText, OneLine, date_out_of_range
from hub.domain.lifecycle import OrderStatus
from hub.domain.money import MoneyError, exponent

Money = Annotated[int, Meta(ge=0, le=10**15, description="integer minor units of the currency")]
Quantity = Annotated[int, Meta(ge=1, le=1_000_000)]
Text = Annotated[OneLine, Meta(max_length=500)]
ShortText = Annotated[OneLine, Meta(max_length=200)]
Phone = Annotated[OneLine, Meta(max_length=50)]
CountryCode = Annotated[str, Meta(pattern="^[A-Z]{2}" + END, description="ISO 3166-1 alpha-2")]
CurrencyCode = Annotated[str, Meta(pattern="^[A-Z]{3}" + END, description="ISO 4217 code")]
ChannelCode = Annotated[str, Meta(pattern=CODE, description="connection code")]
LocaleTag = Annotated[
    str,
    Meta(
        pattern="^[A-Za-z]{2,8}([_-][A-Za-z0-9]{1,8}){0,7}" + END,
        max_length=35,
        description="the buyer's language as the channel names it (BCP 47 or POSIX: de-AT, fr_CA)",
    ),
]
UtcDatetime = Annotated[datetime, Meta(tz=True)]
TaxRate = Annotated[
    str,
    Meta(
        pattern=r"^(100|[0-9]{1,2})(\.[0-9]{1,4})?" + END,
        description='percent as a decimal string, e.g. "19" or "8.25"',
    ),
]

PaymentStatus = Literal[
    "pending", "authorized", "paid", "partially_refunded", "refunded", "voided", "failed"
]
TransactionKind = Literal["authorization", "capture", "refund", "void"]
TransactionStatus = Literal["succeeded", "pending", "failed"]
TransactionSource = Literal["channel", "status", "manual", "migration", "return", "complaint"]

COUNTRIES: frozenset[str] = frozenset(c.alpha_2 for c in pycountry.countries)


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
    postal_code: Annotated[OneLine, Meta(max_length=20)] | None = None
    country: CountryCode
    phone: Phone | None = None


class Line(Struct, frozen=True, kw_only=True):
    line_id: ShortText | None = None
    sku: Annotated[OneLine, Meta(min_length=1, max_length=100)]
    name: Text | None = None
    quantity: Quantity
    unit_price: Money
    discount: Money = 0
    tax: Money = 0
    #: the line's tax rate in percent, as the channel states it ("19", "8.25"); absent: the
    #: document series' default rate (the tax amount the channel sent always wins)
    tax_rate: TaxRate | msgspec.UnsetType = msgspec.UNSET


ServiceLevel = Annotated[
    str,
    Meta(
        pattern="^[a-z0-9_]{1,50}" + END,
        description="standard, expedited, next_day, same_day, economy, or the merchant's own",
    ),
]


class Shipping(Struct, frozen=True, kw_only=True):
    method: ShortText | None = None
    service_level: ServiceLevel | None = None  # what routing and carrier rules match on
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


class PaymentTransaction(Struct, frozen=True, kw_only=True):
    """One movement of money on an order: an authorization, a capture, a refund or a void.

    ``reference`` is the partner's own (a gateway's transaction id, a bank transfer's
    reference, a terminal slip number): the same (order, reference, kind) is recorded once.
    ``source`` and ``note`` are the hub's, shown on the recorded transactions; on input
    they are ignored.
    """

    kind: TransactionKind
    amount: Money
    currency: CurrencyCode | None = None  # None: the order's currency
    method: ShortText | None = None  # the gateway or the means: stripe, cash, bank_transfer
    reference: ShortText | None = None
    at: UtcDatetime | None = None  # when it happened (None: when the hub heard of it)
    status: TransactionStatus = "succeeded"
    source: TransactionSource | msgspec.UnsetType = msgspec.UNSET  # (hub)
    note: Text | msgspec.UnsetType = msgspec.UNSET  # (hub)


HubMoney = Money | msgspec.UnsetType


class Payment(Struct, frozen=True, kw_only=True):
    """The order's payment. On input: the status the channel reports and, optionally, its
    transactions. On output (hub): the status and figures derived from the transactions the
    hub recorded (``hub.domain.payments``); ``GET /orders/{id}`` lists those transactions."""

    status: PaymentStatus = "pending"
    transactions: Annotated[list[PaymentTransaction], Meta(max_length=100)] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    authorized: HubMoney = msgspec.UNSET  # (hub) authorized and not voided
    captured: HubMoney = msgspec.UNSET  # (hub)
    refunded: HubMoney = msgspec.UNSET  # (hub)
    balance_due: HubMoney = msgspec.UNSET  # (hub) total - captured; 0 once cancelled
    refund_due: HubMoney = msgspec.UNSET  # (hub) captured - refunded beyond what is kept

    def reported(self) -> Payment:
        """What a caller or a channel may say: the status and the transactions, without the
        hub's figures or the hub's fields of a transaction."""
        if isinstance(self.transactions, msgspec.UnsetType):
            return Payment(status=self.status)
        clean = [
            msgspec.structs.replace(t, source=msgspec.UNSET, note=msgspec.UNSET)
            for t in self.transactions
        ]
        return Payment(status=self.status, transactions=clean)


class OrderData(Struct, frozen=True, kw_only=True):
    """The channel-supplied part of an order: the body of ``POST /orders``."""

    channel: ChannelCode | None = None  # None: the key's own channel, else "callcentre"
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
    ship_by: UtcDatetime | None = None  # the marketplace's latest ship date
    note: Annotated[FreeText, Meta(max_length=5000)] | None = None
    locale: LocaleTag | None = None  # the buyer's language, when the channel says it


class Order(OrderData, frozen=True, kw_only=True):
    """A canonical order as the hub holds it, with the fields the hub assigns."""

    id: str
    number: str
    public_ref: str
    status: OrderStatus
    received_at: datetime
    updated_at: datetime  # the last change of any kind: status, content, attention


class FieldError(Struct, frozen=True):
    field: str
    reason: str


class InvalidOrder(ValueError):
    """An order that is well-formed JSON but breaks a rule; ``errors`` names each field."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.reason}" for e in errors))
        self.errors = errors


def check(order: OrderData) -> list[FieldError]:
    """Every rule a canonical order must keep; an empty list means it is valid."""
    return _field_errors(order) + _amount_errors(order)


def _field_errors(order: OrderData) -> list[FieldError]:
    """Dates in range, a currency with minor units, ISO countries."""
    errors: list[FieldError] = [
        FieldError(name, reason)
        for name in ("placed_at", "ship_by")
        if (reason := date_out_of_range(getattr(order, name))) is not None
    ]
    try:
        exponent(order.currency)
    except MoneyError as exc:
        errors.append(FieldError("currency", str(exc)))
    for name in ("shipping_address", "billing_address"):
        address = getattr(order, name)
        if address is not None and address.country not in COUNTRIES:
            errors.append(
                FieldError(f"{name}.country", f"{address.country!r} is not an ISO 3166 country")
            )
    return errors


def _amount_errors(order: OrderData) -> list[FieldError]:
    """The lines add up to the totals, and the payment's transactions fit the order."""
    return _totals_errors(order) + _transaction_errors(order)


def _totals_errors(order: OrderData) -> list[FieldError]:
    errors: list[FieldError] = []
    subtotal = 0
    line_discount = 0
    line_tax = 0
    for i, line in enumerate(order.lines):
        gross = line.unit_price * line.quantity
        if line.discount > gross:
            errors.append(
                FieldError(
                    f"lines[{i}].discount",
                    f"{line.discount} exceeds the line's value {gross}",
                )
            )
        subtotal += gross
        line_discount += line.discount
        line_tax += line.tax
    t = order.totals
    if t.subtotal != subtotal:
        errors.append(
            FieldError(
                "totals.subtotal",
                f"{t.subtotal} is not the sum of unit_price x quantity over the lines ({subtotal})",
            )
        )
    if t.shipping != order.shipping.price:
        errors.append(
            FieldError(
                "totals.shipping",
                f"{t.shipping} differs from shipping.price {order.shipping.price}",
            )
        )
    if t.discount < line_discount + order.shipping.discount:
        errors.append(
            FieldError(
                "totals.discount",
                f"{t.discount} is less than the line and shipping discounts "
                f"({line_discount + order.shipping.discount})",
            )
        )
    if t.tax < line_tax + order.shipping.tax:
        errors.append(
            FieldError(
                "totals.tax",
                f"{t.tax} is less than the line and shipping taxes "
                f"({line_tax + order.shipping.tax})",
            )
        )
    expected = t.subtotal - t.discount + t.shipping + (0 if t.tax_included else t.tax)
    if t.total != expected:
        rule = "subtotal - discount + shipping" + ("" if t.tax_included else " + tax")
        errors.append(FieldError("totals.total", f"{t.total} is not {rule} ({expected})"))
    return errors


def _transaction_errors(order: OrderData) -> list[FieldError]:
    transactions = order.payment.transactions
    if isinstance(transactions, msgspec.UnsetType):
        return []
    return [
        FieldError(
            f"payment.transactions[{i}].currency",
            f"{t.currency} is not the order's currency {order.currency}",
        )
        for i, t in enumerate(transactions)
        if t.currency is not None and t.currency != order.currency
    ]


def normalise(order: OrderData) -> OrderData:
    """Validate ``order`` and return it with ``placed_at`` and ``ship_by`` in UTC, and its
    ``payment`` as reported (the hub's figures and transaction fields dropped: ignored on input).

    An absent ``placed_at`` stays absent here (the hub fills in the time it received the
    order), so that the same request body always normalises to the same value.
    """
    errors = check(order)
    if errors:
        raise InvalidOrder(errors)
    changes: dict[str, object] = {
        name: value.astimezone(UTC)
        for name in ("placed_at", "ship_by")
        if (value := getattr(order, name)) is not None and value.utcoffset() != timedelta(0)
    }
    reported = order.payment.reported()
    if reported != order.payment:
        changes["payment"] = reported
    return msgspec.structs.replace(order, **changes) if changes else order
