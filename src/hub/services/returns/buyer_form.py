"""The buyer's return form on the public tracking page (``/track/{public_ref}/return``).

Nothing of the order shows until the buyer unlocks it with the order's postal code or
email. Every attempt takes a token from two shared buckets (``rate_buckets``, so every API
process counts together): one per order reference and one per client address; an empty
bucket is a 429 before anything is checked, so guessing is slow whatever the answer. Only
returnable lines are shown: shipped, not already in a return, not excluded by the
channel's policy. A return the buyer opens is ``opened_by: buyer`` and, outside the policy,
waits ``requested`` with the reasons like any other.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from sqlalchemy import Connection

from hub.domain.order import FieldError, Order
from hub.domain.returns import REASONS, ReturnPolicy, returnable, shipped_per_line
from hub.errors import HubError, NotFound, Unprocessable
from hub.services.ratelimit import SharedBucket
from hub.services.returns.opening import (
    PolicyOf,
    ReturnIn,
    ReturnLineIn,
    open_return,
    shipped_units,
)
from hub.store import orders as order_store
from hub.store import returns as store
from hub.store.database import Database

#: attempts per order reference, and per client address, in an hour (and at once)
PER_REF_PER_HOUR = 20
PER_CLIENT_PER_HOUR = 60


class TooManyAttempts(HubError):
    status = 429
    title = "Too many requests"

    def __init__(self, detail: str, retry_after: float) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class FormLine:
    index: int  # the order line's position
    sku: str
    name: str | None
    returnable: int


@dataclass(frozen=True, slots=True)
class FormView:
    number: str
    lines: list[FormLine]
    opened: str | None = None  # the return just opened
    outside_policy: bool = False


def _norm(value: str | None) -> str:
    return "".join((value or "").split()).casefold()


def unlocks(order: Order, answer: str) -> bool:
    """The answer is the order's postal code or its email (case and spaces ignored)."""
    given = _norm(answer)
    if not given:
        return False
    known = [order.customer.email, order.shipping_address and order.shipping_address.postal_code]
    return any(k and hmac.compare_digest(_norm(k), given) for k in known)


async def take_attempt(db: Database, public_ref: str, client: str) -> None:
    """One attempt from the reference's and the client's buckets, or ``TooManyAttempts``."""
    for key, per_hour in ((f"return-form:ref:{public_ref}", PER_REF_PER_HOUR),
                          (f"return-form:client:{client}", PER_CLIENT_PER_HOUR)):  # fmt: skip
        wait = await SharedBucket(db, key, rate=per_hour / 3600.0, burst=per_hour).try_take()
        if wait > 0:
            raise TooManyAttempts("too many attempts; try again later", wait)


def form_lines(conn: Connection, order: Order, policy: ReturnPolicy) -> list[FormLine]:
    shipped, _ = shipped_units(conn, order.id)
    left = returnable(shipped_per_line(order, shipped), store.units_in_returns(conn, order.id))
    return [
        FormLine(i, ln.sku, ln.name, left.get(i, 0))
        for i, ln in enumerate(order.lines)
        if left.get(i, 0) > 0 and ln.sku not in policy.excluded_skus
    ]


def _order(conn: Connection, public_ref: str) -> Order:
    order = order_store.by_public_ref(conn, public_ref)
    if order is None:
        raise NotFound("no order with that reference")
    return order


async def known(db: Database, public_ref: str) -> None:
    """``NotFound`` unless an order has this reference."""
    async with db.read() as aconn:
        await aconn.run_sync(_order, public_ref)


def _wanted(order: Order, fields: dict[str, str], lines: list[FormLine]) -> list[ReturnLineIn]:
    out = []
    for line in lines:
        raw = fields.get(f"qty_{line.index}", "").strip() or "0"
        if not raw.isdigit() or int(raw) > line.returnable:
            reason = f"a whole number from 0 to {line.returnable}"
            raise Unprocessable(
                f"qty_{line.index}: {reason}", [FieldError(f"qty_{line.index}", reason)]
            )
        if int(raw):
            out.append(ReturnLineIn(sku=line.sku, quantity=int(raw),
                                    line_id=order.lines[line.index].line_id))  # fmt: skip
    return out


def _body(fields: dict[str, str], wanted: list[ReturnLineIn]) -> ReturnIn:
    reason = fields.get("reason", "other")
    if reason not in REASONS:
        raise Unprocessable("reason: not one of the list", [FieldError("reason", "unknown")])
    resolution = fields.get("resolution", "refund")
    if resolution not in ("refund", "exchange", "store_credit"):
        raise Unprocessable("resolution: unknown", [FieldError("resolution", "unknown")])
    note = (fields.get("note") or "").strip()[:2000] or None
    return ReturnIn(lines=wanted, reason=reason, note=note, resolution=resolution)  # type: ignore[arg-type]


async def submit(
    db: Database, public_ref: str, fields: dict[str, str], *, client: str, policy_of: PolicyOf
) -> FormView:
    """One POST of the form: unlock, then show the lines or open the return."""
    await take_attempt(db, public_ref, client)

    def run(conn: Connection) -> FormView:
        order = _order(conn, public_ref)
        if not unlocks(order, fields.get("unlock", "")):
            reason = "does not match the order's postal code or email"
            raise Unprocessable(f"unlock: {reason}", [FieldError("unlock", reason)])
        lines = form_lines(conn, order, policy_of(order.channel))
        wanted = _wanted(order, fields, lines)
        if not wanted:
            return FormView(order.number, lines)
        return_id = open_return(conn, order.id, _body(fields, wanted), opener="buyer",
                                actor="buyer", policy_of=policy_of)  # fmt: skip
        row = store.get(conn, return_id)
        return FormView(order.number, [], opened=return_id,
                        outside_policy=bool(row is not None and row.policy))  # fmt: skip

    return await db.run_write(run)
