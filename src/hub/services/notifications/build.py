"""One notification's mail context, from the order as it is now, its parcels and the facts
its event froze (the refund due when cancelled, the payment received, the carrier's words)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from hub.domain.notifications import AFTER_SALES_EVENTS, MailEvent
from hub.domain.order import Order
from hub.notifications.context import (
    DelayInfo,
    InvoiceInfo,
    Line,
    MailContext,
    Money,
    OrderInfo,
    ParcelInfo,
    PaymentInfo,
    RefundInfo,
    Shop,
)
from hub.store import fulfilment as parcels_store
from hub.store import returns as returns_store
from hub.store.notifications import Notification


def tracking_url(public_url: str, public_ref: str) -> str:
    return f"{public_url.rstrip('/')}/track/{public_ref}"


def order_info(order: Order, public_url: str) -> OrderInfo:
    return OrderInfo(
        id=order.id,
        number=order.external_number or order.number,
        reference=order.public_ref,
        status=order.status,
        placed_at=order.placed_at,
        customer_name=order.customer.name,
        lines=[
            Line(
                sku=ln.sku,
                name=ln.name or ln.sku,
                quantity=ln.quantity,
                total=Money(ln.unit_price * ln.quantity - ln.discount, order.currency),
            )
            for ln in order.lines
        ],
        total=Money(order.totals.total, order.currency),
        tracking_page_url=tracking_url(public_url, order.public_ref),
    )


def _date(value: Any) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    return date.fromisoformat(str(value)[:10])


def parcel_info(conn: Connection, order_id: str, shipment_id: str) -> ParcelInfo | None:
    """The parcel ``shipment_id`` of the order (the latest when ``shipment_id`` is '')."""
    rows = parcels_store.shipments_of_order(conn, order_id)
    found = [r for r in rows if r.id == shipment_id] if shipment_id else rows[-1:]
    if not found:
        return None
    p = found[0]
    items = sum(parcels_store.shipment_parts(conn, [p.id])[p.id].values())
    return ParcelInfo(
        id=p.id,
        carrier=p.carrier,
        service=p.service,
        tracking_number=p.tracking_number,
        tracking_url=p.tracking_url,
        shipped_at=p.shipped_at,
        estimated_delivery=_date(p.estimated_delivery),
        items=items,
    )


LABEL_TYPES = {"PDF": "pdf", "PNG": "png", "ZPL": "zpl", "EPL2": "epl"}


def label_filename(row: Any) -> str | None:
    """The attached return label's file name (None: no label bytes kept)."""
    if not row.label:
        return None
    kind = LABEL_TYPES.get(str(row.label_format or "PDF").upper(), "pdf")
    return f"return-label-{row.id}.{kind}"


def after_sales(conn: Connection, n: Notification, order: Order) -> dict[str, Any]:
    """A return or refund mail's facts (``extra``): the return named by ``n.parcel`` (a
    complaint refund's is only its reference and amount)."""
    amount = n.facts.get("amount")
    refund = Money(int(amount), n.facts.get("currency") or order.currency) if amount else None
    row = returns_store.get(conn, n.parcel) if n.parcel else None
    extra: dict[str, Any] = {
        "reference": n.parcel, "reason": None, "lines": [], "label_url": None,
        "label_attached": False, "carrier": None, "tracking_number": None, "refund": refund,
    }  # fmt: skip
    if row is None:
        return extra
    names = {ln.sku: ln.name or ln.sku for ln in order.lines}
    lines = returns_store.lines_of(conn, [row.id])[row.id]
    return extra | {
        "reason": row.reason, "label_url": row.label_url,
        "label_attached": label_filename(row) is not None, "carrier": row.label_carrier,
        "tracking_number": row.label_tracking,
        "lines": [{"name": names.get(ln.sku, ln.sku), "quantity": ln.quantity} for ln in lines],
    }  # fmt: skip


def _parts(n: Notification, order: Order) -> dict[str, Any]:
    """The event's own part of the context, from the facts it froze."""
    f, currency = n.facts, order.currency
    if n.event == MailEvent.CANCELLED:
        due = f.get("refund_due")
        return {"refund": RefundInfo(amount=Money(int(due or 0), currency), reason=None)}
    if n.event == MailEvent.PAYMENT_RECEIVED:
        amount = Money(int(f.get("amount") or 0), f.get("currency") or currency)
        payment = PaymentInfo(amount=amount, method=f.get("method"), received_at=n.created_at)
        return {"payment": payment}
    if n.event == MailEvent.DELAYED:
        reason = f.get("reason") or "not_shipped"
        return {"delay": DelayInfo(reason=reason, detail=f.get("detail"), ship_by=order.ship_by)}
    if n.event == MailEvent.INVOICE_ISSUED:
        number = str(f.get("number") or n.parcel)
        invoice = InvoiceInfo(
            number=number,
            issued_at=n.created_at.date(),
            total=Money(order.totals.total, currency),
            filename=f"{number}.pdf",
        )
        return {"invoice": invoice}
    return {}


def mail_context(
    conn: Connection, n: Notification, order: Order, *, shop: Shop, public_url: str
) -> MailContext:
    parcel = None
    if n.event in (MailEvent.SHIPPED, MailEvent.OUT_FOR_DELIVERY, MailEvent.DELIVERED) or (
        n.event == MailEvent.DELAYED and n.parcel
    ):
        parcel = parcel_info(conn, order.id, n.parcel)
    parts = _parts(n, order)
    if n.event in AFTER_SALES_EVENTS:
        parts["extra"] = after_sales(conn, n, order)
    return MailContext(order=order_info(order, public_url), shop=shop, parcel=parcel, **parts)
