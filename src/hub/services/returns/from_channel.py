"""Returns a channel reports (``hub.sdk.ChannelReturn``: Shopify ``returns/*`` webhooks,
eBay post-order returns), applied in the caller's transaction (the ``inbound.process`` job
of the kept message).

The first report of a channel's return opens a hub return (``opened_by: channel``, its
``external_id`` the channel's return id) through the same checks as an operator's: lines
within what was shipped less other returns, the policy (outside it: ``requested`` with the
reasons). Every later report moves it forward along the transition table
(``hub.domain.returns.channel_path``): the same report twice, or a late report of an
earlier state, changes nothing. A move the table does not allow (a channel closing a return
the hub has not received) is not forced: it is noted on the order's timeline
(``return_channel``) for an operator.

A report naming an order or a line the hub does not know, or units it cannot take back, is
refused with ``ReportRefused``; the message is quarantined with the reason (never dropped)
and can be replayed once the order has come in or shipped.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Connection, Row

from hub.clock import utcnow
from hub.domain.lifecycle import EventKind
from hub.domain.order import Order
from hub.domain.returns import ReturnStatus, channel_path
from hub.errors import Unprocessable
from hub.sdk.returns import ChannelReturn, ChannelReturnLine
from hub.services.intake.return_reports import ReportRefused
from hub.services.returns.decisions import step
from hub.services.returns.opening import PolicyOf, ReturnIn, ReturnLineIn, open_return
from hub.store import orders as order_store
from hub.store import payments as payment_store
from hub.store import returns as store


def order_of(conn: Connection, channel: str, external_id: str, what: str) -> str:
    """The hub order of the channel's order ``external_id``; else ``ReportRefused``."""
    order_id = store.order_by_external(conn, channel, external_id)
    if order_id is None:
        raise ReportRefused(f"{what}: no order {external_id!r} of channel {channel!r} in the hub")
    return order_id


def _line(order: Order, line: ChannelReturnLine, what: str) -> ReturnLineIn:
    for ln in order.lines:
        if line.line_id is not None and ln.line_id == line.line_id:
            return ReturnLineIn(sku=ln.sku, quantity=line.quantity, line_id=ln.line_id)
    for ln in order.lines:
        if line.line_id is None and line.sku is not None and ln.sku == line.sku:
            return ReturnLineIn(sku=ln.sku, quantity=line.quantity, line_id=ln.line_id)
    named = f"line {line.line_id!r}" if line.line_id is not None else f"SKU {line.sku!r}"
    raise ReportRefused(f"{what}: {named} is not a line of order {order.number}")


def _body(order: Order, report: ChannelReturn, what: str) -> ReturnIn:
    """The hub return a channel's report opens: the most common reason of its lines; the
    channel's own words (per line, and for the whole) kept in the note."""
    lines = [_line(order, ln, what) for ln in report.lines]
    reason = Counter(ln.reason for ln in report.lines).most_common(1)[0][0]
    words = [f"{hub.sku}: {ln.reason_text}" for hub, ln in zip(lines, report.lines, strict=True)
             if ln.reason_text]  # fmt: skip
    if report.note:
        words.append(report.note)
    note = "; ".join(words)[:2000] or None
    return ReturnIn(lines=lines, reason=reason, note=note, resolution="refund")


def _open(
    conn: Connection, order_id: str, report: ChannelReturn, *, channel: str, actor: str,
    policy_of: PolicyOf, what: str,
) -> Row[Any]:  # fmt: skip
    if not report.lines:
        raise ReportRefused(f"{what}: the hub has no such return and the report has no lines")
    body = _body(order_store.load(conn, order_id), report, what)
    try:
        return_id = open_return(
            conn, order_id, body, opener="channel", actor=actor, policy_of=policy_of,
            external_id=report.return_id,
        )  # fmt: skip
    except Unprocessable as exc:  # more than shipped less other returns: not (yet) returnable
        raise ReportRefused(f"{what}: {exc.detail}") from None
    row = store.get(conn, return_id, lock=True)
    assert row is not None
    return row


def _not_now(row: Row[Any], target: ReturnStatus, path: list[ReturnStatus] | None) -> str | None:
    """Why the channel's state is not taken over now (None: it is)."""
    if path is None:
        return f"a return that is {row.status} cannot become {target.value}"
    if path and row.refund_state == "queued":  # the refund job moves it to refunded first
        return f"its refund is on its way to the channel; it stays {row.status} until recorded"
    return None


def apply_return(
    conn: Connection, report: ChannelReturn, *, channel: str, actor: str, policy_of: PolicyOf
) -> str:
    """Open or move the hub return of the channel's ``report``; the order's id."""
    what = f"{channel} return {report.return_id}"
    row = store.by_external(conn, channel, report.return_id)
    if report.order_id is None and row is None:
        raise ReportRefused(f"{what}: the hub has no such return and the report names no order")
    order_id = order_of(conn, channel, report.order_id, what) if report.order_id else row.order_id
    payment_store.lock_order(conn, order_id)  # two reports of one return: one at a time
    row = store.by_external(conn, channel, report.return_id)
    if row is None:
        row = _open(conn, order_id, report, channel=channel, actor=actor, policy_of=policy_of,
                    what=what)  # fmt: skip
    elif row.order_id != order_id:
        raise ReportRefused(f"{what}: the hub has it on another order ({row.order_id})")
    target = ReturnStatus(report.state)
    path = channel_path(ReturnStatus(row.status), target)
    detail: dict[str, Any] = {"channel_state": report.channel_state}
    if report.reason_text:
        detail["reason"] = report.reason_text
    why = _not_now(row, target, path)
    if why is not None:
        note = {"return": row.id, "status": row.status, "channel_state": report.channel_state,
                "applied": False, "why": why}  # fmt: skip
        order_store.add_note(conn, order_id, EventKind.RETURN_CHANNEL, note, actor=actor,
                             now=utcnow())  # fmt: skip
        return order_id
    assert path is not None
    for status in path:
        current = store.get(conn, row.id, lock=True)
        assert current is not None
        extra = (
            {"decision": report.reason_text} if status in _DECIDED and report.reason_text else {}
        )
        step(conn, current, status, actor=actor, detail=detail, **extra)
    return order_id


_DECIDED = frozenset({ReturnStatus.REJECTED, ReturnStatus.CANCELLED})
