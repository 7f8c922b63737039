"""Sample contexts: what ``check_templates`` renders every template with at start, and what
``hub notifications preview`` can show before a real order exists.

Two samples per event: ``full`` (every optional field set, so every ``{% if %}`` branch that
shows a value is taken) and ``bare`` (every optional field ``None``), so that a misspelt
variable in either branch stops the hub at start rather than in a buyer's mail.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from hub.notifications.context import (
    AFTER_SALES_EVENTS,
    REQUIRED,
    RESERVED_EVENTS,
    DelayInfo,
    HistoryEntry,
    InvoiceInfo,
    Line,
    MailContext,
    Money,
    OrderInfo,
    PageParcel,
    ParcelInfo,
    PaymentInfo,
    RefundInfo,
    Shop,
    TrackingPage,
)

_AT = datetime(2025, 3, 14, 9, 22, 30, tzinfo=UTC)

#: ``extra`` of the after-sales mails (and any reserved event a brand has a template for):
#: a template may use these names and passes the start check.
AFTER_SALES_EXTRA: dict[str, Any] = {
    "reference": "01JPRETURN0000000000000000",
    "reason": "size_or_fit",
    "lines": [{"name": "T-Shirt <Bio> & schwarz", "quantity": 1}],
    "label_url": "https://carrier.example/labels/1042.pdf",
    "label_attached": True,
    "carrier": "DHL",
    "tracking_number": "00340434161094042557",
    "refund": Money(2610, "EUR"),
}
#: the same with every optional fact empty
AFTER_SALES_BARE: dict[str, Any] = dict.fromkeys(AFTER_SALES_EXTRA) | {
    "reference": "01JPRETURN0000000000000000", "lines": [], "label_attached": False,
}  # fmt: skip
RESERVED_EXTRA = AFTER_SALES_EXTRA


def _order(full: bool) -> OrderInfo:
    return OrderInfo(
        id="ord_01JPSAMPLE",
        number="#1042",
        reference="k7Qm2xR9",
        status="accepted",
        placed_at=_AT if full else None,
        customer_name="Jana Müller" if full else None,
        lines=[
            Line(
                sku="TEE-ORG-BLK-M",
                name="T-Shirt <Bio> & schwarz",
                quantity=2,
                total=Money(5220, "EUR"),
            ),
            Line(sku="CAP-RED", name="Cap", quantity=1, total=Money(1500, "EUR")),
        ],
        total=Money(7015, "EUR"),
        tracking_page_url="https://shop.example/track/k7Qm2xR9",
    )


def _parcel(full: bool) -> ParcelInfo:
    return ParcelInfo(
        id="shp_01JPSAMPLE",
        carrier="DHL" if full else None,
        service="Paket" if full else None,
        tracking_number="00340434161094042557" if full else None,
        tracking_url="https://carrier.example/t/00340434161094042557" if full else None,
        shipped_at=_AT if full else None,
        estimated_delivery=date(2025, 3, 17) if full else None,
        items=3,
    )


def sample_context(event: str, *, full: bool = True) -> MailContext:
    """A made-up order for ``event``; ``full=False`` leaves every optional field empty."""
    needs = REQUIRED.get(event, ())
    parts = {
        "parcel": _parcel(full) if full or "parcel" in needs else None,
        "payment": PaymentInfo(
            amount=Money(7015, "EUR"), method="bank transfer" if full else None, received_at=_AT
        ),
        "refund": RefundInfo(amount=Money(7015, "EUR"), reason="out of stock" if full else None),
        "invoice": InvoiceInfo(
            number="RE-2025-000042",
            issued_at=date(2025, 3, 14),
            total=Money(7015, "EUR"),
            filename="RE-2025-000042.pdf",
        ),
        "delay": DelayInfo(
            reason="tracking_exception" if full else "not_shipped",
            detail="Address could not be found" if full else None,
            ship_by=_AT if full else None,
        ),
    }
    chosen: dict[str, Any] = {k: v for k, v in parts.items() if k == "parcel" or full or k in needs}
    if event in RESERVED_EVENTS or event in AFTER_SALES_EVENTS:
        chosen["extra"] = dict(AFTER_SALES_EXTRA if full else AFTER_SALES_BARE)
    return MailContext(
        order=_order(full),
        shop=Shop(
            name="Müller & Söhne",
            email="hello@shop.example" if full else None,
            url="https://shop.example" if full else None,
        ),
        **chosen,
    )


def sample_tracking_page(*, full: bool = True) -> TrackingPage:
    parcel = PageParcel(
        carrier="DHL" if full else None,
        service="Paket" if full else None,
        tracking_number="00340434161094042557" if full else None,
        tracking_url="https://carrier.example/t/00340434161094042557" if full else None,
        status="in_transit",
        estimated_delivery=date(2025, 3, 17) if full else None,
        shipped_at=_AT if full else None,
        items=2,
        history=[
            HistoryEntry(at=_AT, status="in_transit", detail="Arrived at hub <Leipzig>"),
            HistoryEntry(at=_AT, status="pre_transit", detail=None),
        ]
        if full
        else [],
    )
    return TrackingPage(
        reference="k7Qm2xR9",
        order_number="#1042",
        status="partially_shipped",
        placed_at=_AT if full else None,
        ship_to_country="DE" if full else None,
        parcels=[parcel] if full else [],
        shop=Shop(name="Müller & Söhne", url="https://shop.example" if full else None),
        return_form_url="https://shop.example/track/k7Qm2xR9/return" if full else None,
    )
