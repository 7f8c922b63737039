"""Credit notes: the content of a document that corrects an issued invoice, all or in part.

Amounts stay positive, as on the invoice (EN 16931 type 381); a partial quantity of a line
takes its share of the line's discount and tax, rounded half-even.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import msgspec

from hub.domain.documents import (
    DocumentContent,
    DocumentLine,
    InvalidDocument,
    summarise,
    totals_of,
)
from hub.domain.order import FieldError
from hub.domain.taxes import prorate


def _credit_line(line: DocumentLine, quantity: int, included: bool) -> DocumentLine:
    if quantity == line.quantity:
        return line
    discount = prorate(line.discount, quantity, line.quantity)
    tax = prorate(line.tax, quantity, line.quantity)
    base = line.unit_price * quantity - discount
    net, gross = (base - tax, base) if included else (base, base + tax)
    return msgspec.structs.replace(
        line, quantity=quantity, discount=discount, tax=tax, net=net, gross=gross
    )


def _credited_lines(
    invoice: DocumentContent, quantities: Mapping[int, int] | None
) -> list[DocumentLine]:
    if quantities is None:
        return list(invoice.lines)
    by_position = {line.position: line for line in invoice.lines}
    out: list[DocumentLine] = []
    for position, quantity in sorted(quantities.items()):
        line = by_position.get(position)
        if line is None:
            raise InvalidDocument(
                [FieldError(f"lines[{position}]", "the invoice has no such line")]
            )
        if not 0 < quantity <= line.quantity:
            raise InvalidDocument(
                [FieldError(f"lines[{position}].quantity", f"must be 1..{line.quantity}")]
            )
        out.append(_credit_line(line, quantity, invoice.totals.tax_included))
    return out


def credit_note_content(
    invoice: DocumentContent,
    *,
    number: str,
    issue_date: date,
    lines: Mapping[int, int] | None = None,
    shipping: bool | None = None,
    payment_status: str = "refund_due",
) -> DocumentContent:
    """A credit note that corrects ``invoice``: all of it, or some lines and the shipping.

    ``lines`` maps a line's ``position`` to the quantity credited (``None``: every line in
    full, and the shipping unless ``shipping`` is False). Amounts are positive, as on the
    invoice; a partial quantity takes its share of the discount and the tax, half-even.
    """
    if invoice.kind == "credit_note":
        raise InvalidDocument([FieldError("invoice", "a credit note cannot be credited")])
    credited = _credited_lines(invoice, lines)
    with_shipping = (lines is None) if shipping is None else shipping
    ship = invoice.shipping if with_shipping else None
    if not credited and ship is None:
        raise InvalidDocument([FieldError("lines", "a credit note must credit something")])
    every = [*credited, *([ship] if ship else [])]
    return msgspec.structs.replace(
        invoice, kind="credit_note", number=number, issue_date=issue_date, lines=credited,
        shipping=ship, summary=summarise(every),
        totals=totals_of(credited, ship, invoice.totals.tax_included),
        payment_status=payment_status, due_date=None, credited_invoice=invoice.number,
        credited_invoice_date=invoice.issue_date,
    )  # fmt: skip
