"""When the hub issues documents by itself, in the transaction of what caused them.

- an invoice when the order ships (``invoice_on: shipped``, the default) or when its money
  is all captured (``invoice_on: paid``); never with ``invoice_on: never``;
- a receipt for a till sale (a point-of-sale order handed over at the till), from the
  receipt series of the location tied to its channel;
- a credit note for whatever is not credited yet when an invoiced order is cancelled, or
  refunded in full; for the units a return received when its refund is recorded; any other
  partial refund after invoicing is flagged for an operator, who says which lines it covers
  (``POST /orders/{id}/credit-notes``).

The timeline tap (``hub.store.event_taps``) sees shipments, till sales and cancellations;
the payments hook (``hub.services.payments.hooks``) sees payments and refunds. A document
that cannot be issued (an order without any address) never rolls back what caused it: the
order is flagged ``document_refused`` with the reason instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection

from hub.clock import utcnow
from hub.connections import Connections
from hub.domain.documents import DocumentKind, InvalidDocument
from hub.domain.lifecycle import EventKind, OrderStatus
from hub.services.documents.issue import bill_of, issue_bill, issue_credit_note
from hub.services.payments.hooks import PaymentsChanged
from hub.store import documents as store
from hub.store import orders as order_store
from hub.store import returns as return_store
from hub.store import routing as routing_store

ACTOR = "worker"
SHIPPED = "shipped"
TILL = "till"
CANCELLED = "cancelled"


def _trigger(row: dict[str, Any]) -> str | None:
    kind, to = row.get("kind"), row.get("to_status")
    if kind == EventKind.STATUS and to == OrderStatus.SHIPPED:
        return SHIPPED
    if kind == EventKind.FULFILLED_ON_CHANNEL and to == OrderStatus.DELIVERED:
        return TILL
    if kind == EventKind.CANCEL and to == OrderStatus.CANCELLED:
        return CANCELLED
    return None


def _refused(conn: Connection, order_id: str, what: str, exc: InvalidDocument) -> None:
    order_store.flag_attention(
        conn, order_id, f"{what} not issued: {exc}", actor=ACTOR, now=utcnow(),
        kind=EventKind.DOCUMENT_REFUSED,
    )  # fmt: skip


def bill(conn: Connection, connections: Connections, order_id: str, *, till: bool) -> None:
    """Issue the order's invoice (or, for a till sale, its receipt from the till location's
    receipt series) unless it has one or no series serves it."""
    if bill_of(store.of_order_sync(conn, order_id)) is not None:
        return
    order = order_store.load(conn, order_id)
    kind: DocumentKind = "receipt" if till else "invoice"
    if till:  # the till's own receipts; without a receipt series the till gave its own
        location = routing_store.location_of_connection(conn, order.channel)
        series = connections.documents.for_location(location) if location else None
    else:
        series = connections.documents.for_channel(order.channel)
    if series is None:
        return
    try:
        issue_bill(conn, order, series, kind=kind, actor=ACTOR, now=utcnow())
    except InvalidDocument as exc:
        _refused(conn, order_id, f"the {kind}", exc)


def credit_rest(
    conn: Connection, connections: Connections, order_id: str, payment_status: str
) -> None:
    """A credit note for what of the order's invoice is not credited yet (if anything)."""
    rows = store.of_order_sync(conn, order_id)
    if bill_of(rows) is None:
        return
    try:
        issue_credit_note(
            conn, order_id, connections.documents, lines=None, shipping=None,
            payment_status=payment_status, actor=ACTOR, now=utcnow(),
        )  # fmt: skip
    except InvalidDocument as exc:
        if exc.errors and exc.errors[0].field == "lines":  # all credited already
            return
        _refused(conn, order_id, "the credit note", exc)


def _returned(change: PaymentsChanged) -> list[str]:
    """The returns whose refunds ``change`` records (their transactions say ``return <id>``)."""
    found = [t.note for t in change.refunds if t.source == "return" and isinstance(t.note, str)]
    return [n.removeprefix("return ") for n in found if n.startswith("return ")]


def credit_returned(conn: Connection, connections: Connections, change: PaymentsChanged) -> None:
    """A credit note for the units the refunded returns received (invoice positions are the
    order's line index + 1); what cannot be credited flags the order."""
    received: dict[int, int] = {}
    for lines in return_store.lines_of(conn, _returned(change)).values():
        for line in lines:
            if line.received:
                received[line.position + 1] = received.get(line.position + 1, 0) + line.received
    if not received:
        return
    try:
        issue_credit_note(
            conn, change.order_id, connections.documents, lines=received, shipping=False,
            payment_status=change.after.status, actor=ACTOR, now=change.at,
        )  # fmt: skip
    except InvalidDocument as exc:
        _refused(conn, change.order_id, "the credit note", exc)


def timeline_tap(
    connections: Connections,
) -> Callable[[Connection, Sequence[dict[str, Any]]], None]:
    """The tap on the timeline: shipments, till sales, cancellations."""

    def tap(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
        if not connections.documents.series:
            return
        seen: dict[tuple[str, str], None] = {}
        for row in rows:
            trigger = _trigger(row)
            if trigger is not None:
                seen[(row["order_id"], trigger)] = None
        for order_id, trigger in seen:
            if trigger == CANCELLED:
                credit_rest(conn, connections, order_id, "refund_due")
                continue
            if trigger == SHIPPED:
                channel = order_store.load(conn, order_id).channel
                if connections.hub_settings(channel).invoice_on != "shipped":
                    continue
            bill(conn, connections, order_id, till=trigger == TILL)

    return tap


def payments_listener(connections: Connections) -> Callable[[Connection, PaymentsChanged], None]:
    """The payments hook: an invoice once paid (``invoice_on: paid``), a credit note after
    a full refund, a flag after a partial one."""

    def listener(conn: Connection, change: PaymentsChanged) -> None:
        if not connections.documents.series:
            return
        if change.became_paid:
            channel = order_store.load(conn, change.order_id).channel
            if connections.hub_settings(channel).invoice_on == "paid":
                bill(conn, connections, change.order_id, till=False)
        if not change.refunds:
            return
        if change.after.status == "refunded":
            credit_rest(conn, connections, change.order_id, "refunded")
            return
        bill_row = bill_of(store.of_order_sync(conn, change.order_id))
        if bill_row is not None and _returned(change):
            credit_returned(conn, connections, change)
        elif bill_row is not None and change.order_status != OrderStatus.CANCELLED:
            refunded = sum(t.amount for t in change.refunds)
            reason = (
                f"a refund of {refunded} (minor units) after {bill_row.number}: say which "
                f"lines it covers with POST /orders/{change.order_id}/credit-notes"
            )
            order_store.flag_attention(
                conn, change.order_id, reason, actor=ACTOR, now=change.at,
                kind=EventKind.DOCUMENT_REFUSED,
            )  # fmt: skip

    return listener
