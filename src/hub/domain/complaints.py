"""Complaints, pure: the kinds, the states and the moves between them, the outcomes, and the
checks a new complaint and a resolution must pass (``services/complaints`` writes them).

A complaint is about one order (optionally some of its lines). It is ``open`` until an
operator answers the buyer (``answered``) and then ``resolved`` with an outcome or
``rejected``; both end it. It may be resolved or rejected without an answer first. Its due
time is its creation plus the SLA of the order's channel (``complaint_sla_hours``, 48 h).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Literal, get_args

import msgspec

from hub.domain.bounds import FreeText
from hub.domain.order import FieldError, Line, ShortText

Kind = Literal["damaged", "missing_item", "wrong_item", "late", "not_as_described", "other"]
KINDS: tuple[str, ...] = get_args(Kind)
OutcomeKind = Literal["refund", "reship", "voucher", "return_required", "none"]
OUTCOMES: tuple[str, ...] = get_args(OutcomeKind)


class ComplaintStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    RESOLVED = "resolved"
    REJECTED = "rejected"


C = ComplaintStatus
#: from-status -> the statuses it may move to; resolved and rejected are final
TRANSITIONS: dict[ComplaintStatus, frozenset[ComplaintStatus]] = {
    C.OPEN: frozenset({C.ANSWERED, C.RESOLVED, C.REJECTED}),
    C.ANSWERED: frozenset({C.ANSWERED, C.RESOLVED, C.REJECTED}),  # a second answer is kept
    C.RESOLVED: frozenset(),
    C.REJECTED: frozenset(),
}
#: the states in which a complaint still waits for the merchant (overdue once past due)
PENDING: frozenset[ComplaintStatus] = frozenset({C.OPEN, C.ANSWERED})

Url = Annotated[str, msgspec.Meta(pattern=r"^https?://[^\s]+$", max_length=2000)]
Description = Annotated[FreeText, msgspec.Meta(min_length=1, max_length=5000)]
Quantity = Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]
Sku = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")]


class ComplaintLine(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A line of the order the complaint is about, and how many of its units."""

    sku: Sku
    quantity: Quantity


Lines = Annotated[list[ComplaintLine], msgspec.Meta(max_length=500)]


class ComplaintIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The body of ``POST /orders/{id}/complaints``."""

    kind: Kind
    description: Description
    lines: Lines = []  # none: about the whole order (a late parcel, say)
    evidence: Annotated[list[Url], msgspec.Meta(max_length=20)] = []  # links to photos


class OutcomeIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How a complaint is resolved (``POST /complaints/{id}/resolve``).

    - ``refund``: ``amount`` (minor units of the order's currency), at most what was captured
      less what was refunded; recorded as a refund referenced ``complaint:<id>``;
    - ``reship``: ``lines`` (default: the complaint's) sent again as a new order at no
      charge, linked to the original;
    - ``voucher``: ``voucher_code`` and ``amount`` recorded;
    - ``return_required``: ``lines`` (default: the complaint's) must come back first;
    - ``none``: nothing is owed (``note`` says why).
    """

    outcome: OutcomeKind
    amount: Annotated[int, msgspec.Meta(ge=1, le=10**15)] | None = None
    lines: Lines | None = None
    voucher_code: ShortText | None = None
    note: Annotated[FreeText, msgspec.Meta(max_length=2000)] | None = None


class AnswerIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What the merchant answered the buyer (``POST /complaints/{id}/answer``)."""

    message: Description


class RejectIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Why the complaint is rejected (``POST /complaints/{id}/reject``)."""

    reason: Description


def due(created_at: datetime, sla_hours: float) -> datetime:
    """When the complaint must be resolved."""
    return created_at + timedelta(hours=sla_hours)


def overdue(status: ComplaintStatus, due_at: datetime, now: datetime) -> bool:
    return status in PENDING and due_at <= now


def ordered(lines: Iterable[Line]) -> dict[str, int]:
    """The units of each SKU an order's lines hold."""
    out: dict[str, int] = {}
    for ln in lines:
        out[ln.sku] = out.get(ln.sku, 0) + ln.quantity
    return out


def line_errors(
    lines: Iterable[ComplaintLine], units: Mapping[str, int], field: str = "lines"
) -> list[FieldError]:
    """Why ``lines`` cannot be about an order holding ``units`` (SKU -> units): a SKU it
    does not hold, a SKU named twice, or more units than it holds."""
    errors: list[FieldError] = []
    seen: set[str] = set()
    for i, ln in enumerate(lines):
        where = f"{field}[{i}]"
        if ln.sku in seen:
            errors.append(FieldError(f"{where}.sku", f"{ln.sku!r} is named twice"))
        elif ln.sku not in units:
            errors.append(FieldError(f"{where}.sku", f"{ln.sku!r} is not on the order"))
        elif ln.quantity > units[ln.sku]:
            errors.append(
                FieldError(
                    f"{where}.quantity",
                    f"{ln.quantity} is more than the {units[ln.sku]} ordered",
                )
            )
        seen.add(ln.sku)
    return errors


def outcome_errors(body: OutcomeIn, complaint_lines: list[ComplaintLine]) -> list[FieldError]:
    """What an outcome lacks or has that it must not (the amount against the money is
    checked where the order's payment is locked)."""
    errors: list[FieldError] = []
    needs_amount = body.outcome in ("refund", "voucher")
    if needs_amount and body.amount is None:
        errors.append(FieldError("amount", f"required for {body.outcome}"))
    if not needs_amount and body.amount is not None:
        errors.append(FieldError("amount", f"not taken by {body.outcome}"))
    if body.outcome == "voucher" and body.voucher_code is None:
        errors.append(FieldError("voucher_code", "required for voucher"))
    if body.outcome != "voucher" and body.voucher_code is not None:
        errors.append(FieldError("voucher_code", f"not taken by {body.outcome}"))
    takes_lines = body.outcome in ("reship", "return_required")
    if not takes_lines and body.lines is not None:
        errors.append(FieldError("lines", f"not taken by {body.outcome}"))
    if takes_lines and not (body.lines or complaint_lines):
        errors.append(FieldError("lines", f"{body.outcome} needs the lines it is for"))
    return errors
