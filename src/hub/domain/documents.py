"""What an issued invoice, receipt or credit note says, and how it follows from an order.

``DocumentContent`` is the whole content of one document, frozen at issue time: seller and
buyer, lines with their tax, shipping as a line of its own, a summary per tax rate, totals
and the payment state. Rendering (``hub.render``) turns it into a PDF and an EN 16931
e-invoice; nothing here does I/O.

Tax rules (``invoice_content``):

- a tax amount the channel sent for a line or the shipping always wins;
- where there is none, it is computed from the line's rate, half-even per line: tax-included
  ``gross * r / (100 + r)``, tax-exclusive ``net * r / 100``;
- the computed taxes are reconciled with the order's ``totals.tax`` within one minor unit per
  computed line (a channel that rounds on the total); a larger gap is an ``InvalidDocument``;
- a discount on the whole order beyond the line and shipping discounts is spread over the
  lines in proportion to their value;
- the document's gross total equals the order's total, and its tax the order's tax.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Literal

from msgspec import Struct

from hub.domain.order import Address, FieldError, Order
from hub.domain.taxes import (
    RateError,
    allocate,
    normal_rate,
    parse_rate,
    spread_difference,
    tax_from_rate,
)

DocumentKind = Literal["invoice", "receipt", "credit_note"]
LineKind = Literal["item", "shipping"]
UNPAID = frozenset({"pending", "authorized", "failed"})


class InvalidDocument(ValueError):
    """A document that cannot be issued from its input; ``errors`` names each field."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.reason}" for e in errors))
        self.errors = errors


class Seller(Struct, frozen=True, kw_only=True):
    """The legal entity a document series belongs to (its block on every document)."""

    name: str
    address: Address
    vat_id: str | None = None
    tax_id: str | None = None
    iban: str | None = None
    bic: str | None = None
    bank_name: str | None = None
    email: str | None = None
    phone: str | None = None
    logo: bytes | None = None  # PNG or JPEG; preferred over logo_path
    logo_path: str | None = None  # read by the renderer: load it into ``logo`` once instead
    footer: str | None = None


class Buyer(Struct, frozen=True, kw_only=True):
    name: str | None = None
    company: str | None = None
    address: Address
    email: str | None = None
    vat_id: str | None = None


class DocumentLine(Struct, frozen=True, kw_only=True):
    """One line. ``unit_price`` and ``discount`` are as the order states them (gross when the
    order's prices include tax, net otherwise); ``net + tax == gross`` always."""

    position: int
    kind: LineKind = "item"
    line_id: str | None = None
    sku: str | None = None
    name: str
    quantity: int
    unit_price: int
    discount: int = 0
    tax_rate: str
    tax: int
    net: int
    gross: int


class TaxSummary(Struct, frozen=True, kw_only=True):
    rate: str
    net: int
    tax: int
    gross: int


class DocumentTotals(Struct, frozen=True, kw_only=True):
    subtotal: int  # sum of unit_price x quantity over the item lines
    discount: int  # item and shipping discounts
    shipping: int  # shipping price before its discount
    net: int
    tax: int
    gross: int  # what the buyer pays (or is refunded): the order's total
    tax_included: bool


class DocumentContent(Struct, frozen=True, kw_only=True):
    kind: DocumentKind
    number: str
    issue_date: date
    seller: Seller
    buyer: Buyer | None  # None only on a receipt for an anonymous till sale
    ship_to: Address | None = None
    order_id: str
    order_number: str
    public_ref: str
    external_number: str | None = None
    order_date: date | None = None
    currency: str
    locale: str
    lines: list[DocumentLine]
    shipping: DocumentLine | None = None
    summary: list[TaxSummary]
    totals: DocumentTotals
    payment_status: str
    due_date: date | None = None
    credited_invoice: str | None = None  # a credit note: the invoice it corrects
    credited_invoice_date: date | None = None
    note: str | None = None


class _Draft(Struct, kw_only=True):
    """A line while its tax is being worked out."""

    position: int
    kind: LineKind
    line_id: str | None
    sku: str | None
    name: str
    quantity: int
    unit_price: int
    discount: int
    rate: str
    sent_tax: int
    tax: int = 0

    @property
    def base(self) -> int:
        return self.unit_price * self.quantity - self.discount


LOCALE_BY_COUNTRY = {
    "DE": "de_DE", "AT": "de_AT", "CH": "de_CH", "LI": "de_LI", "LU": "fr_LU",
    "FR": "fr_FR", "BE": "fr_BE", "MC": "fr_MC", "GB": "en_GB", "IE": "en_IE",
    "US": "en_US", "CA": "en_CA", "AU": "en_AU", "NZ": "en_NZ", "NL": "nl_NL",
    "IT": "it_IT", "ES": "es_ES", "PL": "pl_PL", "JP": "ja_JP",
}  # fmt: skip


def locale_for(country: str | None, default: str = "en_GB") -> str:
    """The locale money and dates are written in for a buyer in ``country``."""
    return LOCALE_BY_COUNTRY.get((country or "").upper(), default)


def _rate(rates: Mapping[int, str], index: int, default: str, field: str) -> str:
    try:
        return normal_rate(rates.get(index, default))
    except RateError as exc:
        raise InvalidDocument([FieldError(field, str(exc))]) from None


def _drafts(
    order: Order, rates: Mapping[int, str], default_rate: str, shipping_rate: str | None
) -> list[_Draft]:
    drafts = [
        _Draft(
            position=i + 1, kind="item", line_id=line.line_id, sku=line.sku,
            name=line.name or line.sku, quantity=line.quantity, unit_price=line.unit_price,
            discount=line.discount, rate=_rate(rates, i, default_rate, f"lines[{i}].tax_rate"),
            sent_tax=line.tax,
        )
        for i, line in enumerate(order.lines)
    ]  # fmt: skip
    extra = order.totals.discount - sum(d.discount for d in drafts) - order.shipping.discount
    if extra > 0:
        weights = [d.base for d in drafts]
        if extra > sum(weights):
            raise InvalidDocument(
                [FieldError("totals.discount", f"{extra} of order discount exceeds the lines")]
            )
        for draft, share in zip(drafts, allocate(extra, weights), strict=True):
            draft.discount += share
    ship = order.shipping
    if ship.price or ship.tax:
        rate = _rate({}, 0, shipping_rate or default_rate, "shipping.tax_rate")
        drafts.append(
            _Draft(
                position=len(drafts) + 1, kind="shipping", line_id=None, sku=None,
                name=ship.method or "Shipping", quantity=1, unit_price=ship.price,
                discount=ship.discount, rate=rate, sent_tax=ship.tax,
            )
        )  # fmt: skip
    return drafts


def _settle_taxes(drafts: list[_Draft], target: int | None, included: bool) -> None:
    """Fill in each draft's tax; reconcile with ``target`` (the order's tax) when given."""
    computed: list[int] = []
    for i, draft in enumerate(drafts):
        if draft.sent_tax > 0:
            draft.tax = draft.sent_tax
        else:
            draft.tax = tax_from_rate(draft.base, draft.rate, included=included)
            if parse_rate(draft.rate) > 0 and draft.base > 0:
                computed.append(i)
    if target is None:
        return
    difference = target - sum(d.tax for d in drafts)
    if difference == 0:
        return
    if difference < 0:
        computed = [i for i in computed if drafts[i].tax > 0]
    if abs(difference) > len(computed):
        raise InvalidDocument(
            [
                FieldError(
                    "totals.tax",
                    f"the order's tax {target} differs from the lines' tax "
                    f"{target - difference} by more than rounding",
                )
            ]
        )
    taxes = spread_difference(
        [drafts[i].tax for i in computed], difference, [drafts[i].base for i in computed]
    )
    for i, tax in zip(computed, taxes, strict=True):
        drafts[i].tax = tax


def _line(draft: _Draft, included: bool) -> DocumentLine:
    if included:
        net, gross = draft.base - draft.tax, draft.base
    else:
        net, gross = draft.base, draft.base + draft.tax
    return DocumentLine(
        position=draft.position, kind=draft.kind, line_id=draft.line_id, sku=draft.sku,
        name=draft.name, quantity=draft.quantity, unit_price=draft.unit_price,
        discount=draft.discount, tax_rate=draft.rate, tax=draft.tax, net=net, gross=gross,
    )  # fmt: skip


def summarise(lines: list[DocumentLine]) -> list[TaxSummary]:
    """One row per tax rate (highest first): the sums of the lines' net, tax and gross."""
    rows: dict[str, list[int]] = {}
    for line in lines:
        row = rows.setdefault(line.tax_rate, [0, 0, 0])
        row[0] += line.net
        row[1] += line.tax
        row[2] += line.gross
    return [
        TaxSummary(rate=rate, net=n, tax=t, gross=g)
        for rate, (n, t, g) in sorted(rows.items(), key=lambda kv: -parse_rate(kv[0]))
    ]


def totals_of(
    lines: list[DocumentLine], shipping: DocumentLine | None, tax_included: bool
) -> DocumentTotals:
    every = [*lines, *([shipping] if shipping else [])]
    return DocumentTotals(
        subtotal=sum(x.unit_price * x.quantity for x in lines),
        discount=sum(x.discount for x in every),
        shipping=shipping.unit_price if shipping else 0,
        net=sum(x.net for x in every),
        tax=sum(x.tax for x in every),
        gross=sum(x.gross for x in every),
        tax_included=tax_included,
    )


def buyer_of(order: Order, vat_id: str | None = None) -> Buyer | None:
    """The buyer block: the billing address, else the shipping address, else nobody."""
    address = order.billing_address or order.shipping_address
    if address is None:
        return None
    return Buyer(
        name=address.name or order.customer.name,
        company=address.company,
        address=address,
        email=order.customer.email,
        vat_id=vat_id,
    )


def invoice_content(
    order: Order,
    *,
    number: str,
    issue_date: date,
    seller: Seller,
    default_rate: str,
    rates: Mapping[int, str] | None = None,
    shipping_rate: str | None = None,
    kind: DocumentKind = "invoice",
    locale: str | None = None,
    buyer_vat_id: str | None = None,
    payment_days: int = 14,
) -> DocumentContent:
    """The content of an invoice (or a till ``receipt``) for ``order``.

    ``rates`` maps a line's index to its tax rate; other lines and the shipping take
    ``default_rate`` (or ``shipping_rate``). An unpaid invoice to a business (a company or a
    VAT id on the buyer) is due ``payment_days`` after issue.
    """
    if kind == "credit_note":
        raise ValueError("a credit note is made from an invoice: credit_note_content()")
    buyer = buyer_of(order, buyer_vat_id)
    if buyer is None and kind == "invoice":
        raise InvalidDocument(
            [FieldError("billing_address", "an invoice needs a billing or shipping address")]
        )
    included = order.totals.tax_included
    drafts = _drafts(order, rates or {}, default_rate, shipping_rate)
    target = order.totals.tax if (order.totals.tax > 0 or not included) else None
    _settle_taxes(drafts, target, included)
    every = [_line(d, included) for d in drafts]
    lines = [x for x in every if x.kind == "item"]
    shipping = next((x for x in every if x.kind == "shipping"), None)
    totals = totals_of(lines, shipping, included)
    if totals.gross != order.totals.total:  # cannot happen for an order that passed check()
        raise InvalidDocument(
            [FieldError("totals.total", f"{order.totals.total} is not the lines' {totals.gross}")]
        )
    status = order.payment.status
    b2b = buyer is not None and bool(buyer.company or buyer.vat_id)
    due = (
        issue_date + timedelta(days=payment_days)
        if kind == "invoice" and b2b and status in UNPAID
        else None
    )
    country = buyer.address.country if buyer else seller.address.country
    return DocumentContent(
        kind=kind, number=number, issue_date=issue_date, seller=seller, buyer=buyer,
        ship_to=order.shipping_address, order_id=order.id, order_number=order.number,
        public_ref=order.public_ref, external_number=order.external_number,
        order_date=order.placed_at.date() if order.placed_at else None,
        currency=order.currency, locale=locale or locale_for(country), lines=lines,
        shipping=shipping, summary=summarise(every), totals=totals, payment_status=status,
        due_date=due,
    )  # fmt: skip
